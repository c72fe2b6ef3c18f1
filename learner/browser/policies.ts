/**
 * The browser worker's policy source: the newest published version, downloaded into memory (model.ts) and opened
 * as the same OnnxGenerator the Node worker runs (onnxruntime-web stands in for onnxruntime-node in the bundle).
 * A newer version replaces the current one for later groups; the old generator is closed after its last group.
 * Versions share one Runtime: the graphs depend on the config and bucket only, so a new version brings its
 * weights and compiles nothing. A version that fails verification is refused for good and the current one kept;
 * WebGPU that fails falls back to WASM. Holding, handing out and retiring versions is the Node worker's own code
 * (rollout/versions.ts).
 */
import { OnnxGenerator, type InferenceModel, type OnnxGeneratorOptions } from '../generate/index.js'
import type { BackoffOptions } from '../rollout/backoff.js'
import type { EdgeClient } from '../rollout/client.js'
import { PolicyVersions } from '../rollout/versions.js'
import { Runtime } from '../runtime/index.js'
import { fetchInferenceModel } from './model.js'

export class MemoryPolicies extends PolicyVersions {
  private shared: Runtime

  /** called when WebGPU fell back to WASM (the page updates its backend tile) */
  onFallback?: () => void

  constructor(
    private readonly edge: EdgeClient,
    private o: OnnxGeneratorOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    super(1000)
    this.shared = new Runtime(o)
  }

  protected override async refresh(backoff: BackoffOptions): Promise<void> {
    const latest = await this.edge.latestModel(backoff)
    if (!latest || this.refused.has(latest.sha256) || (this.current && latest.version <= this.current.version)) return
    try {
      this.log(`downloading model v${latest.version}…`)
      const model = await fetchInferenceModel(this.edge, latest)
      const generator = await this.open(model)
      this.switchTo(latest.version, generator)
      this.log(`generating with model v${latest.version} (sha256 ${latest.sha256.slice(0, 12)}…)`)
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
}
