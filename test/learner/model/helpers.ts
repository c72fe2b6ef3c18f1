/**
 * Test helpers shared by the model, GRPO and trainer tests: tiny model configs, a random batch with completion
 * masks, and float64 session helpers (basic optimisations: ORT's extended level fuses x·sigmoid(x) into
 * QuickGelu, which has no double kernel).
 */
import * as ort from 'onnxruntime-node'
import { resolveConfig, type ModelConfig } from '../../../learner/config.js'
import { initParams } from '../../../learner/io/index.js'
import { createRng } from '../../../learner/sample/rng.js'

export const TINY: Record<string, ModelConfig> = {
  'llama-bias': resolveConfig({ model_type: 'llama', hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 12, vocab_size: 11, rms_norm_eps: 1e-5, attention_bias: true, tie_word_embeddings: false, max_position_embeddings: 32 }),
  'qwen2-tied': resolveConfig({ model_type: 'qwen2', hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 2, intermediate_size: 12, vocab_size: 11, rms_norm_eps: 1e-6, rope_theta: 1e6, tie_word_embeddings: true, max_position_embeddings: 32 }),
}

export function tinyParams(cfg: ModelConfig, seed = 7): Map<string, Float32Array> {
  return initParams(cfg, seed, 0.3)
}

export interface RandomBatch {
  ids: number[][]
  mask: number[][]
  advantages: number[]
}

/** Rows of length T: a prompt of 2–3 tokens, a completion, right padding (id 0, mask 0). */
export function randomBatch(cfg: ModelConfig, B: number, T: number, seed = 3): RandomBatch {
  const rng = createRng(seed)
  const ids: number[][] = []
  const mask: number[][] = []
  for (let b = 0; b < B; b++) {
    const prompt = 2 + (b % 2)
    const len = Math.max(prompt + 1, T - (b % 3))
    ids.push(Array.from({ length: T }, (_, t) => (t < len ? 1 + Math.floor(rng.next() * (cfg.vocab_size - 1)) : 0)))
    mask.push(Array.from({ length: T }, (_, t) => (t >= prompt && t < len ? 1 : 0)))
  }
  return { ids, mask, advantages: Array.from({ length: B }, (_, b) => (b % 2 ? 1 : -1) * (0.3 + rng.next())) }
}

/** Perturb log-probs on completion tokens by U(−a, a) (so clipping fires on both sides). */
export function perturb(lp: ArrayLike<number>, mask: number[][], a: number, seed = 11): number[][] {
  const rng = createRng(seed)
  const T = mask[0].length
  return mask.map((row, b) => row.map((m, t) => lp[b * T + t] + (m ? a * (2 * rng.next() - 1) : 0)))
}

export async function session64(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic' })
}

/** Run a graph once (float32 or float64) and release the session. */
export async function runOnce(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await session64(bytes)
  try {
    return await s.run(feeds)
  } finally {
    await s.release()
  }
}
