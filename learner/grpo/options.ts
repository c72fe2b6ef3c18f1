/**
 * Options of the GRPO objective (TRL GRPOConfig names in comments) and their validation.
 */
export type LossType = 'grpo' | 'bnpo' | 'dr_grpo' | 'dapo' | 'cispo'
export const LOSS_TYPES: readonly LossType[] = ['grpo', 'bnpo', 'dr_grpo', 'dapo', 'cispo']

/** importance_sampling_level: 'token' (GRPO) or 'sequence' (GSPO: length-normalised sequence ratio) */
export type ImportanceSamplingLevel = 'token' | 'sequence'
export const IMPORTANCE_SAMPLING_LEVELS: readonly ImportanceSamplingLevel[] = ['token', 'sequence']

/** CISPO's default cap on the importance weight when epsilon_high is not given (TRL's recommendation). */
export const CISPO_EPSILON_HIGH = 5

export interface GrpoLossOptions {
  /** loss_type: how per-token losses are aggregated (see loss.ts); cispo = clipped IS-weight policy gradient */
  lossType: LossType
  /** beta: weight of the k3 KL penalty to the reference policy; 0 = no reference log-probs needed */
  beta: number
  /** epsilon: lower clip, ratio ≥ 1 − epsilon */
  epsilon: number
  /**
   * epsilon_high: upper clip, ratio ≤ 1 + epsilon_high (clip-higher, DAPO); default = epsilon.
   * cispo: the cap of the importance weight itself, min(ρ, epsilon_high) (default 5).
   */
  epsilonHigh?: number
  /** delta: optional cap on the unclipped ratio (two-sided clipping, INTELLECT-2); undefined = off */
  delta?: number
  /** max_completion_length: dr_grpo's constant denominator (tokens per completion) */
  maxCompletionLength?: number
  /** importance_sampling_level: 'token' (default) or 'sequence' (GSPO) */
  importanceSamplingLevel?: ImportanceSamplingLevel
  /**
   * off_policy_mask_threshold: drop (from the policy term) completions with A < 0 whose mean per-token
   * log π_sampler − log πθ exceeds this (DeepSeek-V3.2's off-policy sequence mask); undefined = off
   */
  offPolicyMaskThreshold?: number
}

export type CheckedGrpoOptions = GrpoLossOptions & { epsilonHigh: number; importanceSamplingLevel: ImportanceSamplingLevel }

export function checkGrpoOptions(o: GrpoLossOptions): CheckedGrpoOptions {
  if (!LOSS_TYPES.includes(o.lossType)) throw new RangeError(`loss_type must be one of ${LOSS_TYPES.join(', ')}, got ${String(o.lossType)}`)
  if (!(o.beta >= 0 && Number.isFinite(o.beta))) throw new RangeError(`beta must be finite and ≥ 0, got ${o.beta}`)
  if (!(o.epsilon >= 0 && o.epsilon < 1)) throw new RangeError(`epsilon must be in [0, 1), got ${o.epsilon}`)
  const epsilonHigh = o.epsilonHigh ?? (o.lossType === 'cispo' ? CISPO_EPSILON_HIGH : o.epsilon)
  if (!(epsilonHigh >= 0 && Number.isFinite(epsilonHigh))) throw new RangeError(`epsilon_high must be finite and ≥ 0, got ${epsilonHigh}`)
  if (o.lossType === 'cispo' && !(epsilonHigh > 0)) throw new RangeError(`cispo: epsilon_high (the importance-weight cap) must be > 0, got ${epsilonHigh}`)
  if (o.delta !== undefined && !(o.delta > 1 && Number.isFinite(o.delta))) throw new RangeError(`delta must be finite and > 1, got ${o.delta}`)
  if (o.lossType === 'dr_grpo' && !(Number.isInteger(o.maxCompletionLength) && o.maxCompletionLength! > 0))
    throw new RangeError(`dr_grpo needs max_completion_length, a positive integer; got ${o.maxCompletionLength}`)
  const importanceSamplingLevel = o.importanceSamplingLevel ?? 'token'
  if (!IMPORTANCE_SAMPLING_LEVELS.includes(importanceSamplingLevel))
    throw new RangeError(`importance_sampling_level must be 'token' or 'sequence', got ${String(importanceSamplingLevel)}`)
  if (o.offPolicyMaskThreshold !== undefined && !(Number.isFinite(o.offPolicyMaskThreshold) && o.offPolicyMaskThreshold >= 0))
    throw new RangeError(`off_policy_mask_threshold must be finite and ≥ 0, got ${o.offPolicyMaskThreshold}`)
  return { ...o, epsilonHigh, importanceSamplingLevel }
}
