/**
 * From claimed groups to the Trainer's GrpoBatch. Rows are completions, group-major (group g's G completions
 * are rows g·G … g·G+G−1 of its own slice), so a group's advantages stay with its completions whatever else
 * shares the batch. Per row: inputIds = prompt ids ++ completion ids, completionMask = 0 on the prompt, 1 on the
 * completion (0 everywhere for a truncated completion under maskTruncated).
 *
 * A group the learner cannot train on as sent is rejected with a reason (the loop flags it, counted):
 *   no_tokens (a completion with neither token ids nor text), bad_tokens (ids outside the vocabulary),
 *   too_long (prompt + completion over max_position_embeddings), missing_reward, bad_logprobs (reported
 *   log-probs not one per token), temperature_mismatch (task sampled at another temperature than we train at),
 *   chat_template (a chat task whose prompt the model's template cannot render). Prompt ids come from
 *   tokenizer/chat.ts promptIds, the function the rollout workers use too.
 */
import { batchAdvantages, groupStats, type AdvantageScale } from '../../common/advantages.js'
import type { ModelConfig } from '../config.js'
import { promptIds, type Tokenizer } from '../tokenizer/index.js'
import type { BatchGroup } from '../../schema/queries/index.js'

export interface Row {
  /** prompt ++ completion token ids */
  inputIds: number[]
  /** 0 on prompt tokens, 1 on completion tokens */
  completionMask: number[]
  /** index of the first completion token in inputIds */
  promptLength: number
  /** worker-reported log-probs of the completion tokens (null: none reported) */
  reported: number[] | null
  reward: number
  truncated: boolean
}

export interface PreparedGroup {
  group: BatchGroup
  rows: Row[]
}

export type Rejection = { group: BatchGroup; reason: string; details: Record<string, unknown> }

export interface Tokenization {
  tokenizer: Tokenizer
  config: ModelConfig
  addBos: boolean
  temperature: number
  maskTruncated: boolean
}

/** Rows of one group, or why it cannot be trained on. */
export function prepareGroup(g: BatchGroup, t: Tokenization): PreparedGroup | Rejection {
  const reject = (reason: string, details: Record<string, unknown> = {}): Rejection => ({ group: g, reason, details })
  if (Math.abs(g.task.temperature - t.temperature) > 1e-6)
    return reject('temperature_mismatch', { task: g.task.temperature, learner: t.temperature })
  let prompt: number[]
  try {
    prompt = promptIds(t.tokenizer, g.promptText, { chat: g.task.chat, addBos: t.addBos })
  } catch (e) {
    return reject('chat_template', { error: (e as Error).message })
  }
  const V = t.config.vocab_size
  const rows: Row[] = []
  for (const c of g.completions) {
    if (c.reward === null || !Number.isFinite(c.reward)) return reject('missing_reward', { completion: c.index })
    const ids = c.tokenIds ?? null
    if (!ids || ids.length === 0) return reject('no_tokens', { completion: c.index })
    if (!ids.every((x) => Number.isInteger(x) && x >= 0 && x < V)) return reject('bad_tokens', { completion: c.index, vocab: V })
    const inputIds = [...prompt, ...ids]
    if (prompt.length === 0 || inputIds.length > t.config.max_position_embeddings)
      return reject('too_long', { completion: c.index, tokens: inputIds.length, max: t.config.max_position_embeddings })
    if (c.logprobs && (c.logprobs.length !== ids.length || !c.logprobs.every(Number.isFinite)))
      return reject('bad_logprobs', { completion: c.index, logprobs: c.logprobs.length, tokens: ids.length })
    const truncated = c.finishReason === 'length'
    const on = truncated && t.maskTruncated ? 0 : 1
    rows.push({
      inputIds,
      completionMask: inputIds.map((_, j) => (j >= prompt.length ? on : 0)),
      promptLength: prompt.length,
      reported: c.logprobs,
      reward: c.reward,
      truncated,
    })
  }
  return { group: g, rows }
}

export const isRejection = (x: PreparedGroup | Rejection): x is Rejection => 'reason' in x

/**
 * Advantages per row (common/advantages.ts), each group normalised by its own mean and its task's
 * scale_rewards; 'batch' scales use the std over every reward of the batch's groups with that scale.
 */
export function advantagesOf(groups: readonly PreparedGroup[]): {
  /** [group][completion] */
  advantages: number[][]
  /** TRL frac_reward_zero_std */
  fracZeroStd: number
  /** TRL reward_std: the mean over groups of each group's (Bessel) std */
  rewardStdMean: number
} {
  const out: number[][] = new Array(groups.length)
  let zero = 0
  let stdSum = 0
  for (const scale of ['group', 'batch', 'none'] as AdvantageScale[]) {
    const idx = groups.flatMap((g, i) => (g.group.task.scaleRewards === scale ? [i] : []))
    if (idx.length === 0) continue
    const r = batchAdvantages(idx.map((i) => groups[i].rows.map((row) => row.reward)), scale)
    idx.forEach((i, k) => (out[i] = r.advantages[k]))
    zero += r.fracZeroStd * idx.length
  }
  for (const g of groups) stdSum += groupStats(g.rows.map((r) => r.reward)).std
  return { advantages: out, fracZeroStd: groups.length ? zero / groups.length : 0, rewardStdMean: groups.length ? stdSum / groups.length : 0 }
}
