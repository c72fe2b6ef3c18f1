/**
 * The shapes and the GRPO setup both sides of bench:learner use (tools/torch/grpo_bench.py mirrors them): a
 * B = 8, T = 256 batch with 128 completion tokens, grpo loss, β 0.04 with given reference log-probs, ε 0.2 /
 * 0.28, temperature 0.7, grad clip 1.0, AdamW (decay 0.01), entropy metric; generation of 8 rows × 64 new
 * tokens after a 32-token prompt, temperature 1, no stop token.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveConfig, type ModelConfig } from '../../learner/config.js'
import { createRng } from '../../learner/sample/index.js'
import type { GrpoBatch, TrainConfig } from '../../learner/trainer/index.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const B = 8
export const T = 256
export const COMPLETION = 128
export const GEN = { rows: 8, prompt: 32, newTokens: 64 }

export const TRAIN: Partial<TrainConfig> = {
  lr: 1e-5, lossType: 'grpo', beta: 0.04, epsilon: 0.2, epsilonHigh: 0.28, temperature: 0.7, maxGradNorm: 1,
  weightDecay: 0.01, microBatchSize: B, maxCompletionLength: COMPLETION, entropy: true,
}

export function loadConfig(name: string): ModelConfig {
  return resolveConfig(JSON.parse(readFileSync(join(ROOT, 'tools/torch/bench_configs', `${name}.json`), 'utf8')))
}

/** Random batch of the baseline's shape: ids [B,T], completion = the last COMPLETION tokens, old/ref log-probs near −ln V. */
export function grpoBatch(cfg: ModelConfig): GrpoBatch {
  const rng = createRng(1)
  const inputIds = Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rng.next() * cfg.vocab_size)))
  const completionMask = inputIds.map((r) => r.map((_, t) => (t >= T - COMPLETION ? 1 : 0)))
  const near = () => inputIds.map((r) => r.map(() => -Math.log(cfg.vocab_size) + (rng.next() - 0.5) * 0.2))
  return { inputIds, completionMask, advantages: inputIds.map(() => rng.normal()), oldLogprobs: near(), refLogprobs: near() }
}

/** The generation workload: the inference bucket, GEN.rows random prompts of GEN.prompt tokens, and the options. */
export function genWorkload(cfg: ModelConfig) {
  const rng = createRng(2)
  return {
    bucket: { batch: GEN.rows, promptLength: GEN.prompt, cacheLength: GEN.prompt + GEN.newTokens - 1 },
    prompts: Array.from({ length: GEN.rows }, () => Array.from({ length: GEN.prompt }, () => Math.floor(rng.next() * cfg.vocab_size))),
    options: { n: 1, maxNewTokens: GEN.newTokens, temperature: 1, seed: 3, eos: [] as number[] },
  }
}
