/**
 * `human`: reward from crowd ratings. A completion needs `quorum` ratings (scores in [0, 1] from distinct
 * raters, given through `ctx.ratings`); until then it is 'pending' (and so is the group). With a quorum the
 * reward is the plain mean of all scores. Raters are flagged (not dropped) when their score is more than
 * `outlierThreshold` away from the consensus, the median of all scores (robust: one wild score cannot drag the
 * consensus towards itself and get honest raters flagged, as a mean would); flagging needs ≥ 3 ratings.
 * `aggregateRatings` is exported for the ratings endpoints.
 */
import { z } from 'zod'
import type { CompletionVerdict, Rating, VerifierDef } from './types.js'

export const humanSpec = z
  .object({
    type: z.literal('human'),
    /** Ratings needed per completion. */
    quorum: z.number().int().min(1).max(100).default(3),
    /** A rater is flagged when |score − median of all scores| exceeds this. */
    outlierThreshold: z.number().gt(0).max(1).default(0.5),
  })
  .strict()
export type HumanSpec = z.infer<typeof humanSpec>

export interface RatingAggregate {
  /** Mean score (null when there are no ratings). */
  mean: number | null
  count: number
  /** Raters whose score deviates from the consensus (median) by more than the threshold. */
  outliers: string[]
}

/** Mean of the ratings (one per rater: a repeated rater keeps the last score) and the flagged raters. */
export function aggregateRatings(ratings: readonly Rating[], outlierThreshold = 0.5): RatingAggregate {
  const byRater = new Map<string, number>()
  for (const r of ratings) if (Number.isFinite(r.score) && r.score >= 0 && r.score <= 1) byRater.set(r.rater, r.score)
  const count = byRater.size
  if (count === 0) return { mean: null, count: 0, outliers: [] }
  let sum = 0
  for (const s of byRater.values()) sum += s
  const outliers: string[] = []
  if (count >= 3) {
    const sorted = [...byRater.values()].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    for (const [rater, s] of byRater) if (Math.abs(s - median) > outlierThreshold) outliers.push(rater)
  }
  return { mean: sum / count, count, outliers }
}

export const human: VerifierDef<HumanSpec> = {
  score(spec, input, ctx) {
    return input.completions.map((_, i): CompletionVerdict => {
      const agg = aggregateRatings(ctx.ratings?.[i] ?? [], spec.outlierThreshold)
      if (agg.count < spec.quorum) return { reward: null, status: 'pending', reason: `${agg.count}/${spec.quorum} ratings` }
      const flagged = agg.outliers.length ? `; ${agg.outliers.length} rater(s) disagree with the consensus` : ''
      return { reward: agg.mean, status: 'ok', reason: `mean of ${agg.count} ratings${flagged}` }
    })
  },
}
