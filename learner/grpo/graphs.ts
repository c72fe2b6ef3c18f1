/**
 * The training graphs, one per (B,T) bucket and option set: forward + loss + reverse-mode gradient of every
 * parameter (learner/graph's `grad`). The optimizer runs outside (fused JS AdamW on CPU; learner/trainer).
 *
 * With LoRA (o.lora) the adapters (learner/lora loraSpecs) are inputs too and the gradients are theirs only.
 * GRPO graph
 *   inputs  <param> (HF names, paramSpecs order), input_ids int64 [B,T], completion_mask [B,T], advantages [B],
 *           old_logprobs [B,T] (absent with oldFromCurrent), ref_logprobs [B,T] (only when β > 0 or klMetric),
 *           sampling_logprobs [B,T] (only with samplingLogprobs: the off-policy mask's sampler), token_weight [B,T]
 *           (only with tokenWeights: entropy mask × sampler IS weight), loss_normalizer [], temperature []
 *   outputs loss [], grad.<param>, kl (0 without ref_logprobs), clip_ratio.low_mean, clip_ratio.high_mean, clip_ratio.region_mean,
 *           cispo_clip_ratio, off_policy_masked, entropy, active_tokens (all []), logprobs [B,T] (log πθ, the old
 *           log-probs of later μ iterations)
 * SFT graph (temperature 1)
 *   inputs  <param>, input_ids, completion_mask (target tokens), loss_normalizer
 *   outputs loss, grad.<param>, active_tokens
 */
import { paramSpecs, type ModelConfig } from '../config.js'
import { grad, ops, type Graph, type Value } from '../graph/index.js'
import { loraSpecs, type LoraConfig } from '../lora/config.js'
import { buildForward, gradName, loraGraph, modelInputs, tokenLogprobs, type FloatType, type Params } from '../model/index.js'
import { grpoLoss, sftLoss } from './loss.js'
import type { GrpoLossOptions } from './options.js'

export interface TrainGraphOptions {
  float?: FloatType
  /** first scored position (≥ 1): every completion token must lie at or after it */
  from?: number
  /** LoRA: adapters are extra inputs and the only tensors with gradient outputs (the base stays frozen) */
  lora?: LoraConfig
}

export interface GrpoGraphOptions extends GrpoLossOptions, TrainGraphOptions {
  /** no old_logprobs input: old = log πθ detached (μ = 1 on fresh data, or the first of μ iterations) */
  oldFromCurrent?: boolean
  /** take ref_logprobs even when β = 0, to report the KL to the reference (default: only when β > 0) */
  klMetric?: boolean
  /** compute the entropy metric (default true; costs one more pass over [B,T',V]) */
  entropy?: boolean
  /** a sampling_logprobs input for the off-policy mask (default: the mask compares with old) */
  samplingLogprobs?: boolean
  /** a token_weight input multiplying the policy term (learner/grpo/correction.ts) */
  tokenWeights?: boolean
}

function outputGrads(g: Graph, cfg: ModelConfig, params: Params, loss: Value, lora?: LoraConfig): void {
  const names = (lora ? loraSpecs(cfg, lora) : paramSpecs(cfg)).map((s) => s.name)
  grad(g, loss, names.map((n) => params.get(n)!)).forEach((gv, i) => g.output(gv, gradName(names[i])))
}

export function buildGrpoGraph(cfg: ModelConfig, B: number, T: number, o: GrpoGraphOptions): Graph {
  const { g, params, ids } = modelInputs(cfg, B, T, o.float, 'grpo', o.lora)
  const mask = g.input('completion_mask', 'float', [B, T])
  const advantages = g.input('advantages', 'float', [B])
  const oldLogprobs = o.oldFromCurrent ? undefined : g.input('old_logprobs', 'float', [B, T])
  const refLogprobs = o.beta > 0 || o.klMetric ? g.input('ref_logprobs', 'float', [B, T]) : undefined
  const samplingLogprobs = o.samplingLogprobs ? g.input('sampling_logprobs', 'float', [B, T]) : undefined
  const tokenWeight = o.tokenWeights ? g.input('token_weight', 'float', [B, T]) : undefined
  const normalizer = g.input('loss_normalizer', 'float', [])
  const temperature = g.input('temperature', 'float', [])
  const { hidden } = buildForward(cfg, params, ids, { lora: loraGraph(o.lora, true) })
  const s = tokenLogprobs(cfg, params, hidden, ids, { temperature, from: o.from, entropy: o.entropy ?? true })
  const r = grpoLoss({ logprobs: s.logprobs, mask, advantages, oldLogprobs, refLogprobs, samplingLogprobs, tokenWeight, normalizer, entropy: s.entropy }, o)
  g.output(r.loss, 'loss')
  outputGrads(g, cfg, params, r.loss, o.lora)
  g.output(r.kl, 'kl')
  g.output(r.clipLow, 'clip_ratio.low_mean')
  g.output(r.clipHigh, 'clip_ratio.high_mean')
  g.output(r.clipRegion, 'clip_ratio.region_mean')
  g.output(r.cispoClip, 'cispo_clip_ratio')
  g.output(r.offPolicyMasked, 'off_policy_masked')
  if (r.entropy) g.output(r.entropy, 'entropy')
  g.output(r.activeTokens, 'active_tokens')
  g.output(s.logprobs, 'logprobs')
  return g
}

export function buildSftGraph(cfg: ModelConfig, B: number, T: number, o: TrainGraphOptions = {}): Graph {
  const { g, params, ids } = modelInputs(cfg, B, T, o.float, 'sft', o.lora)
  const mask = g.input('completion_mask', 'float', [B, T])
  const normalizer = g.input('loss_normalizer', 'float', [])
  const { hidden } = buildForward(cfg, params, ids, { lora: loraGraph(o.lora, true) })
  const { logprobs } = tokenLogprobs(cfg, params, hidden, ids, { from: o.from, entropy: false })
  const loss = sftLoss(logprobs, mask, normalizer)
  g.output(loss, 'loss')
  outputGrads(g, cfg, params, loss, o.lora)
  g.output(ops.reduceSum(mask), 'active_tokens')
  return g
}
