/**
 * Options of the GRPO objective (TRL GRPOConfig names in comments) and their validation.
 */
export type LossType = 'grpo' | 'bnpo' | 'dr_grpo' | 'dapo'
export const LOSS_TYPES: readonly LossType[] = ['grpo', 'bnpo', 'dr_grpo', 'dapo']

export interface GrpoLossOptions {
  /** loss_type: how per-token losses are aggregated (see loss.ts) */
  lossType: LossType
  /** beta: weight of the k3 KL penalty to the reference policy; 0 = no reference log-probs needed */
  beta: number
  /** epsilon: lower clip, ratio ≥ 1 − epsilon */
  epsilon: number
  /** epsilon_high: upper clip, ratio ≤ 1 + epsilon_high (clip-higher, DAPO); default = epsilon */
  epsilonHigh?: number
  /** delta: optional cap on the unclipped ratio (two-sided clipping, INTELLECT-2); undefined = off */
  delta?: number
  /** max_completion_length: dr_grpo's constant denominator (tokens per completion) */
  maxCompletionLength?: number
}

export function checkGrpoOptions(o: GrpoLossOptions): Required<Omit<GrpoLossOptions, 'delta' | 'maxCompletionLength'>> & GrpoLossOptions {
  if (!LOSS_TYPES.includes(o.lossType)) throw new RangeError(`loss_type must be one of ${LOSS_TYPES.join(', ')}, got ${String(o.lossType)}`)
  if (!(o.beta >= 0 && Number.isFinite(o.beta))) throw new RangeError(`beta must be finite and ≥ 0, got ${o.beta}`)
  if (!(o.epsilon >= 0 && o.epsilon < 1)) throw new RangeError(`epsilon must be in [0, 1), got ${o.epsilon}`)
  const epsilonHigh = o.epsilonHigh ?? o.epsilon
  if (!(epsilonHigh >= 0 && Number.isFinite(epsilonHigh))) throw new RangeError(`epsilon_high must be finite and ≥ 0, got ${epsilonHigh}`)
  if (o.delta !== undefined && !(o.delta > 1 && Number.isFinite(o.delta))) throw new RangeError(`delta must be finite and > 1, got ${o.delta}`)
  if (o.lossType === 'dr_grpo' && !(Number.isInteger(o.maxCompletionLength) && o.maxCompletionLength! > 0))
    throw new RangeError(`dr_grpo needs max_completion_length, a positive integer; got ${o.maxCompletionLength}`)
  return { ...o, epsilonHigh }
}
