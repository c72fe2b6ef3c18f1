/**
 * Group-relative advantages (GRPO). One definition, used by the edge (to answer a group submission) and by the
 * learner (to train). Matches TRL's GRPOTrainer:
 *   A_i = (r_i − mean(r)) / (std(r) + eps)      std with Bessel's correction (ddof = 1), eps = 1e-4 outside the sqrt
 * `scale`:
 *   group — divide by the group's own std (DeepSeekMath / TRL default)
 *   batch — divide by the std over every reward in the batch (Dr. GRPO-style robustness; TRL scale_rewards="batch")
 *   none  — no division (Dr. GRPO: A_i = r_i − mean(r))
 * A group whose rewards are all equal gets all-zero advantages (it carries no learning signal) and is counted in
 * `fracZeroStd` (TRL's frac_reward_zero_std).
 */
export type AdvantageScale = 'group' | 'batch' | 'none'

export const ADVANTAGE_EPS = 1e-4

export interface GroupStats {
  mean: number
  /** Bessel-corrected standard deviation (0 for a group of one). */
  std: number
  zeroStd: boolean
}

export function groupStats(rewards: readonly number[]): GroupStats {
  const n = rewards.length
  if (n === 0) throw new Error('groupStats: empty group')
  let mean = 0
  for (const r of rewards) mean += r
  mean /= n
  let ss = 0
  for (const r of rewards) ss += (r - mean) * (r - mean)
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0
  const zeroStd = rewards.every((r) => r === rewards[0])
  return { mean, std, zeroStd }
}

/** Advantages for one group. */
export function groupAdvantages(
  rewards: readonly number[],
  scale: AdvantageScale = 'group',
  eps = ADVANTAGE_EPS,
): number[] {
  const { mean, std, zeroStd } = groupStats(rewards)
  if (zeroStd) return rewards.map(() => 0)
  const denom = scale === 'group' ? std + eps : 1
  return rewards.map((r) => (r - mean) / denom)
}

export interface BatchAdvantages {
  /** advantages[g][i] for group g, completion i (same shape as the input). */
  advantages: number[][]
  /** fraction of groups whose rewards are all equal. */
  fracZeroStd: number
  /** mean and std of all rewards in the batch (std Bessel-corrected). */
  rewardMean: number
  rewardStd: number
}

/** Advantages for a batch of groups; each group is normalised by its own mean, and by `scale`'s std. */
export function batchAdvantages(
  groups: readonly (readonly number[])[],
  scale: AdvantageScale = 'group',
  eps = ADVANTAGE_EPS,
): BatchAdvantages {
  const all = groups.flat()
  const batch = all.length > 0 ? groupStats(all) : { mean: 0, std: 0, zeroStd: true }
  let zero = 0
  const advantages = groups.map((rewards) => {
    const s = groupStats(rewards)
    if (s.zeroStd) {
      zero++
      return rewards.map(() => 0)
    }
    const denom = scale === 'group' ? s.std + eps : scale === 'batch' ? batch.std + eps : 1
    return rewards.map((r) => (r - s.mean) / denom)
  })
  return {
    advantages,
    fracZeroStd: groups.length ? zero / groups.length : 0,
    rewardMean: batch.mean,
    rewardStd: batch.std,
  }
}
