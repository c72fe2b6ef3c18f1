/**
 * One dataset row per stored group, the layout Hugging Face `datasets` reads from JSONL and Parquet alike
 * (nested lists, one entry per completion; token-level arrays one list per completion):
 *
 *   group_id, task, source, prompt_id, prompt, policy_version, status, trained_step, created_at, reward_mean,
 *   reward_std, completions[G], rewards[G], advantages[G], finish_reasons[G], token_ids[G][T], logprobs[G][T],
 *   masks[G][T] (Atropos groups: −100 where not trained; null for leased groups)
 *
 * Advantages follow the task's scaleRewards with common/advantages.ts ("batch" has no batch in an export: it is
 * normalised per group, as the edge answers a submission).
 */
import { groupAdvantages } from '../../common/advantages.js'
import type { ExportGroup } from '../../schema/queries/index.js'

export interface ExportRow {
  group_id: number
  task: string
  source: string
  prompt_id: number | null
  prompt: string | null
  policy_version: number
  status: string
  trained_step: number | null
  created_at: Date
  reward_mean: number | null
  reward_std: number | null
  completions: string[]
  rewards: (number | null)[]
  advantages: number[] | null
  finish_reasons: (string | null)[]
  token_ids: (number[] | null)[]
  logprobs: (number[] | null)[]
  masks: (number[] | null)[] | null
}

export function exportRow(g: ExportGroup): ExportRow {
  const rewards = g.completions.map((c) => c.reward)
  const scored = rewards.every((r): r is number => r !== null)
  return {
    group_id: g.id,
    task: g.task.name,
    source: g.source,
    prompt_id: g.promptId,
    prompt: g.promptText,
    policy_version: g.policyVersion,
    status: g.status,
    trained_step: g.trainedStep,
    created_at: g.createdAt,
    reward_mean: g.rewardMean,
    reward_std: g.rewardStd,
    completions: g.completions.map((c) => c.text),
    rewards,
    advantages: scored && rewards.length ? groupAdvantages(rewards, g.task.scaleRewards === 'none' ? 'none' : 'group') : null,
    finish_reasons: g.completions.map((c) => c.finishReason),
    token_ids: g.completions.map((c) => c.tokenIds),
    logprobs: g.completions.map((c) => c.logprobs),
    masks: g.completions.some((c) => c.masks) ? g.completions.map((c) => c.masks) : null,
  }
}
