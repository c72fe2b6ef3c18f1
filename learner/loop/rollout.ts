/**
 * One step's rollouts: G sampled completions per prompt (the Generator), their rewards (the verifier library),
 * group-normalised advantages (common/advantages.ts), and the Trainer's GrpoBatch built from them.
 * Rows are completions, group-major: group g's completions are rows g·G … g·G+G−1, so an advantage stays with its
 * completion whatever else shares the batch. Per row: inputIds = prompt ids ++ completion ids; completionMask 0
 * on the prompt, 1 on the completion (0 on a truncated one under 'mask'); oldLogprobs = the generator's
 * log-probs of the sampled tokens (the behaviour policy, same convention as the learner), 0 on the prompt.
 */
import { batchAdvantages, groupStats, type AdvantageScale } from '../../common/advantages.js'
import { verifyGroup, type VerifierSpec } from '../../verifiers/index.js'
import type { TaskItem } from '../demo/arith.js'
import type { Generation } from '../generate/index.js'
import type { GrpoBatch } from '../trainer/index.js'

export interface ScoredGroup {
  item: TaskItem
  generation: Generation
  /** one reward per completion */
  rewards: number[]
}

/** Rewards of each group's completions (texts) against the item's reference answer. */
export async function scoreGroups(items: readonly TaskItem[], generations: readonly Generation[], verifier: VerifierSpec): Promise<ScoredGroup[]> {
  return Promise.all(
    items.map(async (item, i) => {
      const texts = generations[i].completions.map((c) => c.text)
      const v = await verifyGroup(verifier, { prompt: item.prompt, reference: item.answer, completions: texts })
      return { item, generation: generations[i], rewards: v.rewards.map((r) => r ?? 0) }
    }),
  )
}

export interface RolloutStats {
  reward: number
  /** mean over groups of each group's (Bessel) std (TRL reward_std) */
  rewardStd: number
  /** fraction of groups whose rewards are all equal (zero advantages) */
  fracZeroStd: number
  /** fraction of completions with full reward (≥ 1) */
  solved: number
  meanLength: number
  /** fraction of completions cut at maxNewTokens */
  clippedRatio: number
  /** sampled tokens */
  tokens: number
}

export function rolloutStats(groups: readonly ScoredGroup[]): RolloutStats {
  const rewards = groups.flatMap((g) => g.rewards)
  const completions = groups.flatMap((g) => g.generation.completions)
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  const lengths = completions.map((c) => c.tokenIds.length)
  return {
    reward: mean(rewards),
    rewardStd: mean(groups.map((g) => groupStats(g.rewards).std)),
    fracZeroStd: mean(groups.map((g) => (groupStats(g.rewards).zeroStd ? 1 : 0))),
    solved: mean(rewards.map((r) => (r >= 1 ? 1 : 0))),
    meanLength: mean(lengths),
    clippedRatio: mean(completions.map((c) => (c.finishReason === 'length' ? 1 : 0))),
    tokens: lengths.reduce((a, b) => a + b, 0),
  }
}

/** The update's batch from scored groups (all given groups are trained; filter before calling). */
export function grpoBatch(groups: readonly ScoredGroup[], scale: AdvantageScale, truncated: 'train' | 'mask'): GrpoBatch {
  const { advantages } = batchAdvantages(groups.map((g) => g.rewards), scale)
  const b: Required<Pick<GrpoBatch, 'inputIds' | 'completionMask' | 'advantages' | 'oldLogprobs'>> = { inputIds: [], completionMask: [], advantages: [], oldLogprobs: [] }
  groups.forEach((g, gi) => {
    const prompt = g.generation.promptTokenIds
    g.generation.completions.forEach((c, ci) => {
      const on = c.finishReason === 'length' && truncated === 'mask' ? 0 : 1
      b.inputIds.push([...prompt, ...c.tokenIds])
      b.completionMask.push([...prompt.map(() => 0), ...c.tokenIds.map(() => on)])
      b.oldLogprobs.push([...prompt.map(() => 0), ...c.logprobs])
      b.advantages.push(advantages[gi][ci])
    })
  })
  return b
}
