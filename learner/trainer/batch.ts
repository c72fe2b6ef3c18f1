/**
 * Batches handed to the Trainer, their validation (a RangeError naming the row and field; nothing changes),
 * and packing of micro-batches into bucket-shaped tensors: rows padded with zero-mask rows, sequences right-
 * padded with pad id (causal attention never lets a real token see padding on its right), and `from`, the first
 * scored position (first completion token rounded down to min(score quantum, T/4); positions before it skip the
 * LM head).
 */
import type { ModelConfig } from '../config.js'
import type { TrainConfig } from './config.js'

export interface SftBatch {
  /** token ids per row (prompt + completion); rows may differ in length */
  inputIds: number[][]
  /** per row, same length: 1 on the tokens that are trained (completion), 0 elsewhere; position 0 must be 0 */
  completionMask: number[][]
}

export interface GrpoBatch extends SftBatch {
  /** one advantage per row (learner/../common/advantages.ts) */
  advantages: number[]
  /** log π_old per token (same convention and length as inputIds); absent = computed before the first update */
  oldLogprobs?: number[][]
  /** log π_ref per token; absent with β > 0 = computed from the trainer's frozen reference weights */
  refLogprobs?: number[][]
  /**
   * log-probs the sampler reported per token (another engine: vLLM, a browser, bf16 kernels); with them the
   * policy term is IS-corrected (TrainConfig vllmImportanceSampling*) and the off-policy mask compares with them
   */
  samplingLogprobs?: number[][]
}

export function checkBatch(b: SftBatch | GrpoBatch, cfg: ModelConfig, grpo: boolean): void {
  const n = b.inputIds?.length
  if (!Array.isArray(b.inputIds) || n === 0) throw new RangeError('batch: inputIds must be a non-empty array of rows')
  const rows = (name: string, x: unknown) => {
    if (!Array.isArray(x) || x.length !== n) throw new RangeError(`batch: ${name} must have ${n} rows`)
    ;(x as unknown[]).forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== b.inputIds[i].length) throw new RangeError(`batch: ${name}[${i}] must have ${b.inputIds[i]?.length} entries (as inputIds[${i}])`)
      if (!(r as number[]).every(Number.isFinite)) throw new RangeError(`batch: ${name}[${i}] has a non-finite value`)
    })
  }
  b.inputIds.forEach((r, i) => {
    if (!Array.isArray(r) || r.length < 2) throw new RangeError(`batch: inputIds[${i}] needs at least 2 tokens`)
    if (r.length > cfg.max_position_embeddings) throw new RangeError(`batch: inputIds[${i}] has ${r.length} tokens, over max_position_embeddings ${cfg.max_position_embeddings}`)
    if (!r.every((t) => Number.isInteger(t) && t >= 0 && t < cfg.vocab_size)) throw new RangeError(`batch: inputIds[${i}] has a token outside [0, ${cfg.vocab_size})`)
  })
  rows('completionMask', b.completionMask)
  b.completionMask.forEach((r, i) => {
    if (!r.every((m) => m === 0 || m === 1)) throw new RangeError(`batch: completionMask[${i}] must hold only 0 and 1`)
    if (r[0] !== 0) throw new RangeError(`batch: completionMask[${i}][0] must be 0 (the first token has no log-prob)`)
  })
  if (!grpo) return
  const g = b as GrpoBatch
  if (!Array.isArray(g.advantages) || g.advantages.length !== n || !g.advantages.every(Number.isFinite))
    throw new RangeError(`batch: advantages must be ${n} finite numbers`)
  if (g.oldLogprobs !== undefined) rows('oldLogprobs', g.oldLogprobs)
  if (g.refLogprobs !== undefined) rows('refLogprobs', g.refLogprobs)
  if (g.samplingLogprobs !== undefined) rows('samplingLogprobs', g.samplingLogprobs)
}

/** Rows of one micro-batch packed into a (B,T) bucket. Dimension legend: B bucket rows, T bucket length. */
export interface Packed {
  /** original row indices (the first `rows.length` of B) */
  rows: number[]
  B: number
  T: number
  /** first scored position, 1 ≤ from < T */
  from: number
  /** Σ mask */
  tokens: number
  ids: BigInt64Array //       [B,T]
  mask: Float32Array //       [B,T]
  advantages: Float32Array // [B]
  old?: Float32Array //       [B,T]
  ref?: Float32Array //       [B,T]
  sampling?: Float32Array //  [B,T]
  /** weights of the policy term (entropy mask × sampler IS weight), set by the trainer per update */
  weight?: Float32Array //    [B,T]
}

const bucket = (sizes: readonly number[], n: number) => sizes.find((s) => s >= n) ?? n

/** Split row indices 0 … n−1 into micro-batches of at most `size`. */
export function microBatches(n: number, size: number): number[][] {
  const out: number[][] = []
  for (let i = 0; i < n; i += size) out.push(Array.from({ length: Math.min(size, n - i) }, (_, k) => i + k))
  return out
}

export function pack(b: SftBatch | GrpoBatch, rows: number[], tc: TrainConfig, cfg: ModelConfig): Packed {
  const g = b as Partial<GrpoBatch>
  const B = bucket(tc.buckets.rows, rows.length)
  const longest = Math.max(...rows.map((r) => b.inputIds[r].length))
  const T = Math.min(bucket(tc.buckets.seq, longest), cfg.max_position_embeddings)
  const pad = BigInt(cfg.pad_token_id ?? 0)
  const ids = new BigInt64Array(B * T).fill(pad)
  const mask = new Float32Array(B * T)
  const advantages = new Float32Array(B)
  const old = g.oldLogprobs ? new Float32Array(B * T) : undefined
  const ref = g.refLogprobs ? new Float32Array(B * T) : undefined
  const sampling = g.samplingLogprobs ? new Float32Array(B * T) : undefined
  let first = T
  let tokens = 0
  rows.forEach((r, i) => {
    const row = b.inputIds[r]
    row.forEach((t, j) => { ids[i * T + j] = BigInt(t) })
    b.completionMask[r].forEach((m, j) => {
      mask[i * T + j] = m
      if (m) { tokens++; first = Math.min(first, j) }
    })
    if (g.advantages) advantages[i] = g.advantages[r]
    if (old) old.set(g.oldLogprobs![r], i * T)
    if (ref) ref.set(g.refLogprobs![r], i * T)
    if (sampling) sampling.set(g.samplingLogprobs![r], i * T)
  })
  const q = Math.max(1, Math.min(tc.scoreQuantum, Math.floor(T / 4))) // ≤ 4 variants per bucket for short buckets
  const from = Math.min(Math.max(1, Math.floor(first / q) * q), T - 1)
  return { rows, B, T, from, tokens, ids, mask, advantages, old, ref, sampling }
}
