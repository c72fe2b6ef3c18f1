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

/**
 * Opens a Generator that samples from exactly these weights (paramSpecs names). The loop hands it a Snapshots
 * buffer set: unchanged while this generator is the current one and until the next handover has closed it, then
 * rewritten for a later version; a generator must not read the arrays after close().
 */
export type OpenGenerator = (weights: ReadonlyMap<string, Float32Array>) => Generator | Promise<Generator>

/**
 * A copy of the weights (what a published version is), in one buffer in the map's (paramSpecs) order, so a layer's
 * q/k/v and gate/up lie back to back and the generator feeds them fused without a copy (learner/model/fused.ts).
 */
export function snapshot(params: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const all = new Float32Array([...params.values()].reduce((n, w) => n + w.length, 0))
  let at = 0
  return new Map([...params].map(([name, w]) => {
    const view = all.subarray(at, (at += w.length))
    view.set(w)
    return [name, view]
  }))
}

/**
 * Snapshots into two buffer sets used in turn: take k writes the set of take k − 2, whose generator the loop has
 * closed by then (it closes the previous generator right after opening the next). A 100M model's snapshot is
 * 0.4 GB: copying into buffers already faulted in costs about half of allocating a fresh copy each version, and
 * memory holds two sets instead of whatever the garbage collector has not yet freed.
 */
export class Snapshots {
  private readonly sets: (Map<string, Float32Array> | undefined)[] = [undefined, undefined]
  private turn = 0

  take(params: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
    const i = this.turn
    this.turn ^= 1
    const set = this.sets[i]
    const fits = set && set.size === params.size && [...params].every(([name, w]) => set.get(name)?.length === w.length)
    if (!fits) return (this.sets[i] = snapshot(params))
    for (const [name, w] of params) set.get(name)!.set(w)
    return set
  }
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
