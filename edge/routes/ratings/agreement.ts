/**
 * Rater agreement. For every completion with at least 3 ratings, `aggregateRatings` (verifiers/human.ts) names
 * the raters whose score is more than the task's outlier threshold away from the mean of the *other* raters
 * (leave-one-out consensus). Per rater: how many of their ratings could be compared, how many disagreed, and
 * `flagged` when at least AGREEMENT.minCompared were compared and the disagreement rate exceeds
 * AGREEMENT.maxDisagreementRate. Flagging informs an admin; it changes no reward (rewards are plain means).
 */
import type { RatingRow } from '../../../schema/index.js'
import { aggregateRatings } from '../../../verifiers/index.js'

export const AGREEMENT = {
  /** Compared ratings needed before a rater can be flagged. */
  minCompared: 3,
  /** Flag when disagreements / compared is above this. */
  maxDisagreementRate: 0.3,
} as const

export interface RaterAgreement {
  raterKeyId: number
  ratings: number
  meanScore: number | null
  /** Ratings on completions with ≥ 3 ratings (where a consensus of others exists). */
  compared: number
  disagreements: number
  disagreementRate: number | null
  flagged: boolean
}

/** Agreement per rater over `history` (ordered by completion); `thresholdOf(taskId)` gives each task's threshold. */
export function raterAgreement(
  history: readonly RatingRow[],
  thresholdOf: (taskId: number) => number,
): Map<number, RaterAgreement> {
  const out = new Map<number, RaterAgreement & { sum: number }>()
  const rater = (id: number) => {
    let a = out.get(id)
    if (!a) {
      a = { raterKeyId: id, ratings: 0, meanScore: null, compared: 0, disagreements: 0, disagreementRate: null, flagged: false, sum: 0 }
      out.set(id, a)
    }
    return a
  }
  for (let i = 0; i < history.length; ) {
    let j = i
    while (j < history.length && history[j].completionId === history[i].completionId) j++
    const rs = history.slice(i, j)
    const { outliers } = aggregateRatings(
      rs.map((r) => ({ rater: String(r.raterKeyId), score: r.score })),
      thresholdOf(rs[0].taskId),
    )
    for (const r of rs) {
      const a = rater(r.raterKeyId)
      a.ratings++
      a.sum += r.score
      if (rs.length >= 3) {
        a.compared++
        if (outliers.includes(String(r.raterKeyId))) a.disagreements++
      }
    }
    i = j
  }
  const result = new Map<number, RaterAgreement>()
  for (const { sum, ...a } of out.values()) {
    a.meanScore = a.ratings ? sum / a.ratings : null
    a.disagreementRate = a.compared ? a.disagreements / a.compared : null
    a.flagged = a.compared >= AGREEMENT.minCompared && (a.disagreementRate ?? 0) > AGREEMENT.maxDisagreementRate
    result.set(a.raterKeyId, a)
  }
  return result
}
