/**
 * Honesty vs correction. Where a worker reported log-probs, they are compared with the learner's recomputation
 * under the version the worker claims to have sampled from (same convention, same weights). Two different
 * things can make them differ:
 *   - float noise and kernel differences of an honest sampler (bf16 engines, vLLM, a browser): a few hundredths
 *     of a nat per token, spread over every token. This is corrected, not punished: the reported log-probs go to
 *     the Trainer as samplingLogprobs and weight the policy term by a truncated / masked IS ratio
 *     (learner/grpo/correction.ts, TRL's vllm_importance_sampling_*).
 *   - a worker that fakes rollouts or runs other weights: a large disagreement over the whole completion. Such a
 *     group is flagged (logprob_mismatch) and never trained on.
 * The honesty statistic is therefore sequence-level, over all of a group's reported completion tokens: the mean
 * per-token |Δ| (the flag's threshold, LearnConfig.logprobTolerance) and the mismatch KL (k3 from the sampler to
 * the learner, reported with the flag), not the largest single token, which one rounding outlier can set.
 */
import type { Row } from './batch.js'

export interface Disagreement {
  /** mean |reported − recomputed| over the group's reported completion tokens */
  meanAbsDiff: number
  /** the largest one, and the completion and token where it occurs */
  maxAbsDiff: number
  completion: number
  token: number
  /** mean over those tokens of exp(Δ) − Δ − 1, Δ = recomputed − reported (≥ 0; KL(sampler ‖ learner) estimate) */
  mismatchKl: number
  /** tokens compared */
  tokens: number
}

/** The disagreement over a group's rows (null when no row reported log-probs); NaN counts as infinite. */
export function groupDisagreement(rows: readonly Row[], recomputed: readonly number[][]): Disagreement | null {
  const d: Disagreement = { meanAbsDiff: 0, maxAbsDiff: -1, completion: 0, token: 0, mismatchKl: 0, tokens: 0 }
  let sum = 0
  let kl = 0
  for (let c = 0; c < rows.length; c++) {
    const row = rows[c]
    if (!row.reported) continue
    for (let j = 0; j < row.reported.length; j++) {
      const delta = recomputed[c][row.promptLength + j] - row.reported[j]
      const a = Number.isNaN(delta) ? Infinity : Math.abs(delta)
      sum += a
      kl += Number.isFinite(delta) ? Math.exp(delta) - delta - 1 : Infinity
      d.tokens++
      if (a > d.maxAbsDiff) Object.assign(d, { maxAbsDiff: a, completion: c, token: j })
    }
  }
  if (d.tokens === 0) return null
  return { ...d, meanAbsDiff: sum / d.tokens, mismatchKl: kl / d.tokens }
}

/** The rows' sampler log-probs for the Trainer: reported ones on completion tokens, the recomputed ones elsewhere. */
export function samplingLogprobs(rows: readonly Row[], recomputed: readonly number[][]): number[][] {
  return rows.map((row, c) => recomputed[c].map((x, t) => (row.reported && t >= row.promptLength ? row.reported[t - row.promptLength] : x)))
}
