/**
 * The rollout-honesty check: where a worker reported log-probs, they must equal the learner's recomputation
 * under the version the worker claims to have sampled from (same convention, same weights), up to float
 * noise. A group whose largest per-token disagreement exceeds the tolerance is flagged and not trained on —
 * a worker that fakes rollouts or runs other weights must not poison training.
 */
import type { Row } from './batch.js'

export interface Disagreement {
  /** largest |reported − recomputed| over the group's completion tokens */
  maxAbsDiff: number
  /** the completion and token where it occurs */
  completion: number
  token: number
}

/** The worst disagreement over a group's rows (null when no row reported log-probs). */
export function worstDisagreement(rows: readonly Row[], recomputed: readonly number[][]): Disagreement | null {
  let worst: Disagreement | null = null
  rows.forEach((row, c) => {
    if (!row.reported) return
    row.reported.forEach((lp, j) => {
      const d = Math.abs(lp - recomputed[c][row.promptLength + j])
      if (!worst || d > worst.maxAbsDiff || Number.isNaN(d)) worst = { maxAbsDiff: Number.isNaN(d) ? Infinity : d, completion: c, token: j }
    })
  })
  return worst
}
