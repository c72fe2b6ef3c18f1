/**
 * The worker's current policy: the newest published model version, fetched (artifacts.ts) and opened as a
 * Generator. Slots `acquire` it per group and `release` it after; a newer version replaces it for later
 * acquisitions and the old generator is closed once its last group is done (versions.ts). One refresh runs at a time.
 */
import type { Generator } from '../generate/index.js'
import type { BackoffOptions } from './backoff.js'
import { fetchModelFiles, modelFileReader, pruneModelCache, type ModelFileReader } from './artifacts.js'
import type { EdgeClient, ModelInfo } from './client.js'
import { PolicyVersions } from './versions.js'

export type { Policy, PolicySource } from './versions.js'

/** Opens a downloaded, verified model folder as a generator (OnnxGenerator by default; see cli/commands/rollout). */
export type OpenGenerator = (dir: string, model: ModelInfo) => Promise<Generator>

/** Cached versions kept behind the newest (older ones are deleted from the cache folder). */
const KEEP_BEHIND = 2
/** Versions behind the newest tried when the newest is refused. */
const FALLBACK = 4

export class PolicyCache extends PolicyVersions {
  private readonly read: ModelFileReader

  constructor(
    private readonly edge: EdgeClient,
    private readonly cacheDir: string,
    private readonly open: OpenGenerator,
    private readonly log: (line: string) => void = () => {},
  ) {
    super(500)
    this.read = modelFileReader(edge)
  }

  /**
   * Switch to the newest version that verifies, if it is newer than the current one. A version whose files do
   * not match their sha256 (or do not load) is refused for good and logged; the worker then tries the versions
   * before it (at most FALLBACK of them) or keeps generating with what it has.
   */
  protected override async refresh(backoff: BackoffOptions): Promise<void> {
    const latest = await this.edge.latestModel(backoff)
    if (!latest) return
    const floor = Math.max(this.current ? this.current.version + 1 : 0, latest.version - FALLBACK)
    for (let v = latest.version; v >= floor; v--) {
      const info = v === latest.version ? latest : await this.edge.model(v, backoff)
      if (!info || this.refused.has(info.sha256)) continue
      try {
        const dir = await fetchModelFiles(info, this.cacheDir, this.read)
        const generator = await this.open(dir, info) // loaded into memory: the cache folder is no longer needed
        await pruneModelCache(this.cacheDir, info.version - KEEP_BEHIND)
        this.switchTo(info.version, generator)
        this.log(`rollout: now generating with model v${info.version} (step ${info.step})`)
        return
      } catch (err) {
        this.refused.add(info.sha256)
        this.log(`rollout: model v${info.version} refused: ${(err as Error).message}`)
      }
    }
  }

  /** Close the current generator (call after every slot has stopped); `version` is null after. */
  override async close(): Promise<void> {
    const closing = super.close()
    this.current = null
    await closing
  }
}
