/**
 * Host-side token weights of the policy term (fed to the GRPO graph as token_weight; TRL GRPOTrainer 1.9's
 * definitions):
 *
 * Sampler-mismatch correction (vllm_importance_sampling_*): rollouts come from another engine (vLLM, SGLang, a
 * browser, a bf16 kernel) whose log-probs differ from the learner's recomputation under the same weights. With
 * Δ = (logπ_old − logπ_sampler)·m,
 *   token_*     w[b,t] = exp(Δ[b,t])            sequence_*  w[b,·] = exp(Σ_t Δ[b,t])
 *   *_truncate  w ← min(w, cap)                  *_mask      w ← 0 where w > cap
 * The weights are constants (no gradient), computed once per batch from the learner's old log-probs.
 *
 * Entropy masking (top_entropy_quantile q < 1): train only on tokens whose entropy is at or above the
 * (1 − q)-quantile of the entropies of the update's completion tokens (torch.quantile, linear interpolation).
 * TRL takes the quantile per micro-batch; here it is taken over the whole optimizer update, so that gradient
 * accumulation equals one big batch.
 *
 * Metrics (TRL names): sampling/sampling_logp_difference/{mean,max} of |Δ| over completion tokens,
 * sampling/importance_sampling_ratio/{min,mean,max} of w (over tokens, or over rows at sequence level), and
 * Cohort's sampling/mismatch_kl (masked mean of k3 from the sampler to the learner, ≥ 0) and
 * sampling/masked_fraction (completion tokens whose weight is 0).
 */
export type SamplingCorrectionMode = 'token_truncate' | 'token_mask' | 'sequence_truncate' | 'sequence_mask'
export const SAMPLING_CORRECTION_MODES: readonly SamplingCorrectionMode[] = ['token_truncate', 'token_mask', 'sequence_truncate', 'sequence_mask']

export interface SamplingCorrection {
  /** vllm_importance_sampling_mode (TRL default sequence_mask) */
  mode: SamplingCorrectionMode
  /** vllm_importance_sampling_cap C (TRL default 3) */
  cap: number
}

export interface SamplingMetrics {
  'sampling/sampling_logp_difference/mean': number
  'sampling/sampling_logp_difference/max': number
  'sampling/importance_sampling_ratio/min': number
  'sampling/importance_sampling_ratio/mean': number
  'sampling/importance_sampling_ratio/max': number
  'sampling/mismatch_kl': number
  'sampling/masked_fraction': number
}

export function checkSamplingCorrection(c: SamplingCorrection): void {
  if (!SAMPLING_CORRECTION_MODES.includes(c.mode)) throw new RangeError(`vllm_importance_sampling_mode must be one of ${SAMPLING_CORRECTION_MODES.join(', ')}, got ${String(c.mode)}`)
  if (!(c.cap > 0 && Number.isFinite(c.cap))) throw new RangeError(`vllm_importance_sampling_cap must be finite and > 0, got ${c.cap}`)
}

/** Per-token IS weights (rows as given; 0 off the completion) and the batch's sampling metrics. */
export function samplerWeights(old: readonly (readonly number[])[], sampling: readonly (readonly number[])[], mask: readonly (readonly number[])[], c: SamplingCorrection): { weights: number[][]; metrics: SamplingMetrics } {
  checkSamplingCorrection(c)
  const sequence = c.mode.startsWith('sequence')
  const truncate = c.mode.endsWith('truncate')
  const bound = (w: number) => (truncate ? Math.min(w, c.cap) : w > c.cap ? 0 : w)
  let tokens = 0
  let diffSum = 0
  let diffMax = 0
  let klSum = 0
  let zeroed = 0
  const ratios: number[] = []
  const weights = mask.map((mr, b) => {
    let rowDelta = 0
    const delta = mr.map((m, t) => {
      if (!m) return 0
      const d = old[b][t] - sampling[b][t]
      tokens++
      diffSum += Math.abs(d)
      diffMax = Math.max(diffMax, Math.abs(d))
      klSum += Math.exp(d) - d - 1 // k3 estimate of KL(sampler ‖ learner) on the sampler's tokens
      rowDelta += d
      return d
    })
    const rowW = bound(Math.exp(rowDelta))
    if (sequence && mr.some((m) => m)) ratios.push(rowW)
    return mr.map((m, t) => {
      if (!m) return 0
      const w = sequence ? rowW : bound(Math.exp(delta[t]))
      if (!sequence) ratios.push(w)
      if (w === 0) zeroed++
      return w
    })
  })
  const n = Math.max(tokens, 1)
  return {
    weights,
    metrics: {
      'sampling/sampling_logp_difference/mean': diffSum / n,
      'sampling/sampling_logp_difference/max': diffMax,
      'sampling/importance_sampling_ratio/min': ratios.length ? Math.min(...ratios) : 0,
      'sampling/importance_sampling_ratio/mean': ratios.length ? ratios.reduce((a, x) => a + x, 0) / ratios.length : 0,
      'sampling/importance_sampling_ratio/max': ratios.length ? Math.max(...ratios) : 0,
      'sampling/mismatch_kl': klSum / n,
      'sampling/masked_fraction': zeroed / n,
    },
  }
}

/** torch.quantile(x, q) with linear interpolation (x non-empty). */
export function quantile(x: readonly number[], q: number): number {
  const s = Float64Array.from(x).sort()
  const pos = q * (s.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, s.length - 1)
  return s[lo] + (s[hi] - s[lo]) * (pos - lo)
}

/**
 * top_entropy_quantile: 1 on completion tokens whose entropy ≥ the (1 − q)-quantile over all completion tokens
 * of the rows given, else 0 (q = 1 keeps every completion token).
 */
export function highEntropyMask(entropy: readonly (readonly number[])[], mask: readonly (readonly number[])[], q: number): number[][] {
  if (!(q > 0 && q <= 1)) throw new RangeError(`top_entropy_quantile must be in (0, 1], got ${q}`)
  const all = mask.flatMap((mr, b) => mr.flatMap((m, t) => (m ? [entropy[b][t]] : [])))
  if (all.length === 0 || q === 1) return mask.map((r) => [...r])
  const threshold = quantile(all, 1 - q)
  return mask.map((mr, b) => mr.map((m, t) => (m && entropy[b][t] >= threshold ? 1 : 0)))
}
