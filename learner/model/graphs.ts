/**
 * Standalone graphs over the model, one per (B,T) bucket, with fixed feed/fetch names:
 *   inputs   every parameter by HF name (paramSpecs order), input_ids int64 [B,T], temperature float []
 *   logprobs graph → logprobs [B,T], entropy [B,T]          (old / reference log-probs, forward only)
 *   logits graph   → logits [B,T,V]                          (raw, temperature 1: golden tests, inspection)
 */
import type { ModelConfig } from '../config.js'
import { Graph, type Value } from '../graph/index.js'
import { buildForward, lmHead } from './forward.js'
import { tokenLogprobs } from './logprobs.js'
import { loraGraph, paramInputs, type Params } from './params.js'
import type { LoraConfig } from '../lora/config.js'

export type FloatType = 'float32' | 'float64'

export interface ModelGraphInputs {
  g: Graph
  params: Params
  /** int64 [B,T] */
  ids: Value
}

/** A graph with the parameters and input_ids [B,T] as inputs (the start of every model graph). */
export function modelInputs(cfg: ModelConfig, B: number, T: number, float: FloatType = 'float32', name = 'cohort', lora?: LoraConfig): ModelGraphInputs {
  const g = new Graph({ float, name })
  const params = paramInputs(g, cfg, lora)
  return { g, params, ids: g.input('input_ids', 'int64', [B, T]) }
}

export interface LogprobGraphOptions {
  float?: FloatType
  /** first scored position (see tokenLogprobs); default 1 */
  from?: number
  /** compute entropy (default true) */
  entropy?: boolean
  /** LoRA adapters as extra inputs (no dropout: scoring is eval mode) */
  lora?: LoraConfig
}

/** Forward-only per-token log-probs and entropy (inputs: params, input_ids, temperature). */
export function buildLogprobGraph(cfg: ModelConfig, B: number, T: number, o: LogprobGraphOptions = {}): Graph {
  const { g, params, ids } = modelInputs(cfg, B, T, o.float, 'logprobs', o.lora)
  const temperature = g.input('temperature', 'float', [])
  const { hidden } = buildForward(cfg, params, ids, { lora: loraGraph(o.lora, false) })
  const s = tokenLogprobs(cfg, params, hidden, ids, { temperature, from: o.from, entropy: o.entropy })
  g.output(s.logprobs, 'logprobs')
  if (s.entropy) g.output(s.entropy, 'entropy')
  return g
}

/** Raw logits for every position (inputs: params, input_ids). */
export function buildLogitsGraph(cfg: ModelConfig, B: number, T: number, float: FloatType = 'float32'): Graph {
  const { g, params, ids } = modelInputs(cfg, B, T, float, 'logits')
  g.output(lmHead(cfg, params, buildForward(cfg, params, ids).hidden), 'logits')
  return g
}
