/**
 * ScoredData ⇄ stored groups. In: each group's scores become rewards (mean and Bessel std kept on the group),
 * tokens and masks are kept as sent, inference_logprobs become the completions' log-probs, everything else is
 * kept beside them; a completion's text is the content of its last message when messages are sent. Out: the same
 * ScoredData shape /batch answers (log-probs come back as float32, like every log-prob Cohort stores).
 */
import { groupStats } from '../../../common/advantages.js'
import type { AtroposSequence, NewAtroposGroup, StoredAtroposGroup } from '../../../schema/index.js'
import type { ScoredDataBody } from './schemas.js'

const ROW_FIELDS = ['advantages', 'ref_logprobs', 'messages', 'overrides'] as const
const GROUP_FIELDS = ['generation_params', 'group_overrides', 'images', 'env_id'] as const

function lastContent(messages: { content: unknown }[] | undefined): string {
  const c = messages?.at(-1)?.content
  return typeof c === 'string' ? c : c === undefined ? '' : JSON.stringify(c)
}

export function toGroup(d: ScoredDataBody, taskId: number, policyVersion: number): NewAtroposGroup {
  const stats = groupStats(d.scores)
  const extra: Record<string, unknown> = {}
  for (const k of GROUP_FIELDS) if (d[k] !== undefined && d[k] !== null) extra[k] = d[k]
  const sequences: AtroposSequence[] = d.tokens.map((tokens, i) => {
    const row: Record<string, unknown> = {}
    for (const k of ROW_FIELDS) if (d[k]) row[k] = d[k]![i]
    return {
      tokens,
      masks: d.masks[i],
      score: d.scores[i],
      text: lastContent(d.messages?.[i]),
      logprobs: d.inference_logprobs?.[i] ?? null,
      extra: row,
    }
  })
  return { taskId, policyVersion, rewardMean: stats.mean, rewardStd: stats.std, extra, sequences }
}

/** A stored group as Atropos' ScoredData (absent optional fields are null, as Atropos answers them). */
export function toScoredData(g: StoredAtroposGroup): Record<string, unknown> {
  const perRow = (k: (typeof ROW_FIELDS)[number]) =>
    g.sequences.every((s) => k in s.extra) ? g.sequences.map((s) => s.extra[k]) : null
  return {
    tokens: g.sequences.map((s) => s.tokens),
    masks: g.sequences.map((s) => s.masks),
    scores: g.sequences.map((s) => s.score),
    advantages: perRow('advantages'),
    ref_logprobs: perRow('ref_logprobs'),
    messages: perRow('messages'),
    generation_params: g.extra.generation_params ?? null,
    inference_logprobs: g.sequences.every((s) => s.logprobs) ? g.sequences.map((s) => s.logprobs) : null,
    overrides: perRow('overrides'),
    group_overrides: g.extra.group_overrides ?? null,
    images: g.extra.images ?? null,
    env_id: g.extra.env_id ?? null,
  }
}
