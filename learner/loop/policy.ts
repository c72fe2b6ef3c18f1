/**
 * The version handover: the loop hands the trainer's live weights to the rollout side as a frozen snapshot
 * (a copy: the live buffers keep changing under the optimizer), and the rollout side opens a Generator over it.
 * In memory the Generator is an OnnxGenerator over prefill / decode graphs built from the snapshot (weights as
 * initializers): a handover costs one copy of the weights plus two graph builds and session creations (~40 ms
 * for the ~0.1M-parameter test model; the loop reports it per step as seconds.sync). The sessions are built at
 * handover (a one-token greedy warm-up) so that generation time is generation only.
 */
import type { ModelConfig } from '../config.js'
import { inferenceModel, OnnxGenerator, type Generator, type InferenceBucket, type OnnxGeneratorOptions } from '../generate/index.js'
import type { Tokenizer } from '../tokenizer/index.js'

/** Opens a Generator that samples from exactly these weights (paramSpecs names); the map is the caller's to keep. */
export type OpenGenerator = (weights: ReadonlyMap<string, Float32Array>) => Generator | Promise<Generator>

/** A copy of the weights (what a published version is). */
export function snapshot(params: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  return new Map([...params].map(([name, w]) => [name, w.slice()]))
}

/** Handover to an in-process OnnxGenerator over the snapshot, for one inference bucket. */
export function onnxGenerator(model: { config: ModelConfig; tokenizer: Tokenizer }, bucket: InferenceBucket, o: OnnxGeneratorOptions = {}): OpenGenerator {
  return async (weights) => {
    const g = new OnnxGenerator(inferenceModel({ config: model.config, tokenizer: model.tokenizer, params: new Map(weights) }, bucket), o)
    await g.generate([[model.tokenizer.bos ?? 0]], { n: 1, maxNewTokens: 1, temperature: 0 }) // builds both sessions now
    return g
  }
}
