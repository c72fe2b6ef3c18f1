/** The default policy opener: a published model folder → OnnxGenerator over its prefill / decode graphs. */
import { loadInferenceModel, OnnxGenerator, type OnnxGeneratorOptions } from '../generate/index.js'
import type { OpenGenerator } from './policy.js'

export const openOnnxGenerator =
  (o: OnnxGeneratorOptions = {}): OpenGenerator =>
  async (dir) =>
    new OnnxGenerator(await loadInferenceModel(dir), o)
