/**
 * The version handover: the loop hands the trainer's live weights to the rollout side as a frozen snapshot
 * (a copy: the live buffers keep changing under the optimizer), and the rollout side opens a Generator over it.
 * In memory the Generator is an OnnxGenerator fed the snapshot as the graphs' weight inputs; every version shares
 * one Runtime, so the prefill / decode sessions are compiled once (first handover) and a later handover costs
 * one copy of the weights (the loop reports it per step as seconds.sync). The first handover builds the sessions
 * (warm()) so that generation time is generation only.
 */
import type { ModelConfig } from '../config.js'
import { inferenceModel, OnnxGenerator, type Generator, type InferenceBucket, type OnnxGeneratorOptions } from '../generate/index.js'
import { Runtime } from '../runtime/index.js'
import type { Tokenizer } from '../tokenizer/index.js'

/** Opens a Generator that samples from exactly these weights (paramSpecs names); the map is the caller's to keep. */
export type OpenGenerator = (weights: ReadonlyMap<string, Float32Array>) => Generator | Promise<Generator>

/** A copy of the weights (what a published version is). */
export function snapshot(params: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  return new Map([...params].map(([name, w]) => [name, w.slice()]))
}

/** Handover to an in-process OnnxGenerator over the snapshot, for one inference bucket. */
export function onnxGenerator(model: { config: ModelConfig; tokenizer?: Tokenizer }, bucket: InferenceBucket, o: OnnxGeneratorOptions = {}): OpenGenerator {
  const shared = o.shared ?? new Runtime(o)
  return async (weights) => {
    const g = new OnnxGenerator(inferenceModel({ config: model.config, tokenizer: model.tokenizer, params: new Map(weights) }, bucket), { ...o, shared })
    await g.warm() // builds both sessions on the first handover; later ones find them built
    return g
  }
}
