/**
 * The worker's current policy: the newest published model version, fetched (artifacts.ts) and opened as a
 * Generator. Slots `acquire` it per group and `release` it after; a newer version replaces it for later
 * acquisitions and the old generator is closed once its last group is done. One refresh runs at a time.
 */
import type { Generator } from '../generate/index.js'
import { sleep, type BackoffOptions } from './backoff.js'
import { fetchModelFiles, modelFileReader, pruneModelCache, type ModelFileReader } from './artifacts.js'
import type { EdgeClient, ModelInfo } from './client.js'

/** Opens a downloaded, verified model folder as a generator (OnnxGenerator by default; see cli/commands/rollout). */
export type OpenGenerator = (dir: string, model: ModelInfo) => Promise<Generator>

/** Where a worker gets the policy to generate with: PolicyCache (a folder on disk) or the browser's in memory. */
export interface PolicySource {
  /** version generated with now (null before the first) */
  readonly version: number | null
  /** the policy to generate with, at least version `atLeast` once that is published; release() it after */
  acquire(atLeast: number, backoff?: BackoffOptions): Promise<Policy>
  close(): Promise<void>
}

export interface Policy {
  version: number
  generator: Generator
  release(): void
}

interface Held {
  version: number
  generator: Generator
  users: number
  retired: boolean
}

/** Cached versions kept behind the newest (older ones are deleted from the cache folder). */
const KEEP_BEHIND = 2
/** Versions behind the newest tried when the newest is refused. */
const FALLBACK = 4

export class PolicyCache implements PolicySource {
  private current: Held | null = null
  private refreshing: Promise<void> | null = null
  /** versions refused (files not matching their sha256, or not loadable), by manifest hash: never retried */
  private readonly refused = new Set<string>()
  private readonly read: ModelFileReader

  constructor(
    private readonly edge: EdgeClient,
    private readonly cacheDir: string,
    private readonly open: OpenGenerator,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.read = modelFileReader(edge)
  }

  /** Version generated with now; null before the first is fetched (versions count from 0, the base model). */
  get version(): number | null {
    return this.current?.version ?? null
  }

  /**
   * The policy to generate with, at least version `atLeast` when that one is published (the lease says which is
   * newest). Waits (backoff, abortable) until some version is published at all.
   */
  async acquire(atLeast: number, backoff: BackoffOptions = {}): Promise<Policy> {
    while (!this.current || this.current.version < atLeast) {
      const before = this.current?.version
      await (this.refreshing ??= this.refresh(backoff).finally(() => (this.refreshing = null)))
      if (this.current && (this.current.version >= atLeast || this.current.version === before)) break
      if (!this.current) await sleep(500, backoff.signal)
    }
    const held = this.current!
    held.users++
    let released = false
    return {
      version: held.version,
      generator: held.generator,
      release: () => {
        if (released) return
        released = true
        held.users--
        this.closeIfIdle(held)
      },
    }
  }

  /**
   * Switch to the newest version that verifies, if it is newer than the current one. A version whose files do
   * not match their sha256 (or do not load) is refused for good and logged; the worker then tries the versions
   * before it (at most FALLBACK of them) or keeps generating with what it has.
   */
  private async refresh(backoff: BackoffOptions): Promise<void> {
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
        this.switchTo(info, generator)
        return
      } catch (err) {
        this.refused.add(info.sha256)
        this.log(`rollout: model v${info.version} refused: ${(err as Error).message}`)
      }
    }
  }

  private switchTo(info: ModelInfo, generator: Generator) {
    const old = this.current
    this.current = { version: info.version, generator, users: 0, retired: false }
    this.log(`rollout: now generating with model v${info.version} (step ${info.step})`)
    if (old) {
      old.retired = true
      this.closeIfIdle(old)
    }
  }

  private closeIfIdle(h: Held) {
    if (h.retired && h.users === 0) void h.generator.close()
  }

  /** Close the current generator (call after every slot has stopped). */
  async close(): Promise<void> {
    const h = this.current
    this.current = null
    if (h) {
      h.retired = true
      if (h.users === 0) await h.generator.close()
    }
  }
}
