/**
 * The default policy opener: a published model folder → OnnxGenerator over its prefill / decode graphs. Every
 * version opened through one opener shares a Runtime, so a new version with the same graphs (same config and
 * bucket) only brings its weights: no session is compiled at handover.
 */
import { loadInferenceModel, OnnxGenerator, type OnnxGeneratorOptions } from '../generate/index.js'
import { Runtime } from '../runtime/index.js'
import type { OpenGenerator } from './policy.js'

export const openOnnxGenerator = (o: OnnxGeneratorOptions = {}): OpenGenerator => {
  const shared = o.shared ?? new Runtime(o)
  return async (dir) => new OnnxGenerator(await loadInferenceModel(dir), { ...o, shared })
}
