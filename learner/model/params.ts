/**
 * Parameters as graph inputs: one input per ParamSpec, named by its Hugging Face name, in paramSpecs order
 * (the order of feeds, gradient outputs and optimizer state everywhere in the learner).
 */
import { paramSpecs, type ModelConfig } from '../config.js'
import type { Graph, Value } from '../graph/index.js'
import { loraScale, loraSpecs, type LoraConfig } from '../lora/config.js'
import type { LoraGraph } from './layers.js'

/** HF tensor name → graph value. */
export type Params = Map<string, Value>

/** Declare every parameter of `cfg` (and the LoRA adapters of `lora`) as graph inputs of the graph's float type. */
export function paramInputs(g: Graph, cfg: ModelConfig, lora?: LoraConfig): Params {
  const specs = [...paramSpecs(cfg), ...(lora ? loraSpecs(cfg, lora) : [])]
  return new Map(specs.map((s) => [s.name, g.input(s.name, 'float', s.shape)]))
}

/** The graph-side LoRA options (scale; dropout only in training graphs). */
export function loraGraph(lora: LoraConfig | undefined, training: boolean): LoraGraph | undefined {
  return lora && { scale: loraScale(lora), dropout: training ? lora.dropout : 0 }
}

/** The parameter called `name`; throws naming it when absent (a config / layout mismatch). */
export function param(p: Params, name: string): Value {
  const v = p.get(name)
  if (!v) throw new Error(`model: missing parameter ${name}`)
  return v
}

/** Output name of a parameter's gradient. */
export const gradName = (name: string) => `grad.${name}`
