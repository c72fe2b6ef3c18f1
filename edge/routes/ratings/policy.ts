/**
 * The rating policy of a task: its verifier's `human` parts. A task takes ratings only if its spec has one (alone
 * or inside `weighted`). With several human parts, the largest quorum and the smallest outlier threshold apply
 * (one set of ratings feeds them all).
 */
import { humanSpec, verifierSpec } from '../../../verifiers/index.js'
import { leafSpecs } from '../verify/index.js'

export interface RatingPolicy {
  /** Ratings every completion needs before its group is scored. */
  quorum: number
  /** A rater whose score is further than this from the others' mean is flagged (verifiers/human.ts). */
  outlierThreshold: number
}

/** The outlier threshold of a `human` spec that sets none. */
export const DEFAULT_OUTLIER_THRESHOLD = humanSpec.parse({ type: 'human' }).outlierThreshold

/** The policy of a stored verifier spec, or null when it has no human part (or does not parse). */
export function ratingPolicy(verifier: unknown): RatingPolicy | null {
  const spec = verifierSpec.safeParse(verifier)
  if (!spec.success) return null
  const humans = leafSpecs(spec.data).filter((l) => l.type === 'human')
  if (humans.length === 0) return null
  return {
    quorum: Math.max(...humans.map((h) => h.quorum)),
    outlierThreshold: Math.min(...humans.map((h) => h.outlierThreshold)),
  }
}
