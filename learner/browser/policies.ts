/**
 * The browser worker's policy source: the newest published version, downloaded into memory (model.ts) and opened
 * as the same OnnxGenerator the Node worker runs (onnxruntime-web stands in for onnxruntime-node in the bundle).
 * A newer version replaces the current one for later groups; the old generator is closed after its last group.
 * Versions share one Runtime: the graphs depend on the config and bucket only, so a new version brings its
 * weights and compiles nothing. A version that fails verification is refused for good and the current one kept;
 * WebGPU that fails falls back to WASM.
 */
import { OnnxGenerator, type InferenceModel, type OnnxGeneratorOptions } from '../generate/index.js'
import { sleep, type BackoffOptions } from '../rollout/backoff.js'
import type { EdgeClient } from '../rollout/client.js'
import type { Policy, PolicySource } from '../rollout/policy.js'
import { Runtime } from '../runtime/index.js'
import { fetchInferenceModel } from './model.js'

interface Held {
  version: number
  generator: OnnxGenerator
  users: number
  retired: boolean
}

export class MemoryPolicies implements PolicySource {
  private current: Held | null = null
  private refreshing: Promise<void> | null = null
  private readonly refused = new Set<string>()
  private shared: Runtime

  /** called when WebGPU fell back to WASM (the page updates its backend tile) */
  onFallback?: () => void

  constructor(
    private readonly edge: EdgeClient,
    private o: OnnxGeneratorOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.shared = new Runtime(o)
  }

  get version(): number | null {
    return this.current?.version ?? null
  }

  async acquire(atLeast: number, backoff: BackoffOptions = {}): Promise<Policy> {
    while (!this.current || this.current.version < atLeast) {
      const before = this.current?.version
      await (this.refreshing ??= this.refresh(backoff).finally(() => (this.refreshing = null)))
      if (this.current && (this.current.version >= atLeast || this.current.version === before)) break
      if (!this.current) await sleep(1000, backoff.signal)
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

  private async refresh(backoff: BackoffOptions): Promise<void> {
    const latest = await this.edge.latestModel(backoff)
    if (!latest || this.refused.has(latest.sha256) || (this.current && latest.version <= this.current.version)) return
    try {
      this.log(`downloading model v${latest.version}…`)
      const model = await fetchInferenceModel(this.edge, latest)
      const generator = await this.open(model)
      const old = this.current
      this.current = { version: latest.version, generator, users: 0, retired: false }
      this.log(`generating with model v${latest.version} (sha256 ${latest.sha256.slice(0, 12)}…)`)
      if (old) {
        old.retired = true
        this.closeIfIdle(old)
      }
    } catch (err) {
      this.refused.add(latest.sha256)
      this.log(`model v${latest.version} refused: ${(err as Error).message}`)
    }
  }

  /**
   * The generator, its graphs compiled before a lease is generated (so tokens/s counts generation only). WebGPU
   * that cannot run these graphs falls back to WASM for good, with a line in the log.
   */
  private async open(model: InferenceModel): Promise<OnnxGenerator> {
    const generator = new OnnxGenerator(model, { ...this.o, shared: this.shared })
    try {
      await generator.warm()
      return generator
    } catch (err) {
      await generator.close()
      if (this.o.ep !== 'webgpu') throw err
      this.log(`WebGPU failed (${(err as Error).message.split('\n')[0]}); using WASM`)
      this.o = { ...this.o, ep: 'cpu' }
      this.shared = new Runtime(this.o)
      this.onFallback?.()
      return this.open(model)
    }
  }

  private closeIfIdle(h: Held) {
    if (h.retired && h.users === 0) void h.generator.close()
  }

  async close(): Promise<void> {
    if (this.current) {
      this.current.retired = true
      this.closeIfIdle(this.current)
    }
  }
}
