/**
 * Scoring a stored group with its task's verifier (used when human ratings reach quorum and when a failed hosted
 * verifier is retried): the verdict becomes rewards, per-completion details, the reward summary and the status
 *   ok → ready      pending → pending (ratings missing)      error → verify_failed (never a silent 0)
 */
import { groupStats } from '../../../common/advantages.js'
import type { GroupForScoring, GroupScore, GroupStatus } from '../../../schema/index.js'
import { verifierSpec, verifyGroup, type GroupVerdict } from '../../../verifiers/index.js'
import { resolveSecrets, type SecretSources } from './secrets.js'

export const STATUS_OF = { ok: 'ready', pending: 'pending', error: 'verify_failed' } as const satisfies Record<
  GroupVerdict['status'],
  GroupStatus
>

/** What scoring needs of a group: a stored one, or one being submitted (no ratings yet). */
export interface ScoringInput {
  task: Pick<GroupForScoring['task'], 'name' | 'verifier'>
  prompt: GroupForScoring['prompt']
  completions: Pick<GroupForScoring['completions'][number], 'text' | 'tokenCount' | 'ratings'>[]
}

/** Characters of an extracted answer kept in stored details (`exact`'s is the whole normalised completion). */
export const STORED_EXTRACT_CHARS = 200

/**
 * An extracted answer as stored: as is up to STORED_EXTRACT_CHARS, else its start and '…' (the completion's text is
 * stored anyway). Never cut inside a surrogate pair (Postgres refuses a lone surrogate in jsonb).
 */
export function storedExtract(x: string): string {
  if (x.length <= STORED_EXTRACT_CHARS) return x
  let n = STORED_EXTRACT_CHARS - 1
  const last = x.charCodeAt(n - 1)
  if (last >= 0xd800 && last <= 0xdbff) n-- // a high surrogate: its pair would be cut off
  return `${x.slice(0, n)}…`
}

export async function scoreGroup(group: ScoringInput, sources: SecretSources): Promise<GroupScore> {
  const spec = verifierSpec.safeParse(group.task.verifier)
  if (!spec.success) {
    const reason = `invalid verifier spec on task "${group.task.name}"`
    return {
      status: 'verify_failed',
      rewards: group.completions.map(() => null),
      details: group.completions.map(() => ({ status: 'error', reason })),
      rewardMean: null,
      rewardStd: null,
    }
  }
  const cs = group.completions
  const verdict = await verifyGroup(
    spec.data,
    {
      prompt: group.prompt.text,
      reference: group.prompt.answer,
      completions: cs.map((c) => c.text),
      tokenCounts: cs.every((c) => c.tokenCount !== null) ? cs.map((c) => c.tokenCount as number) : undefined,
    },
    {
      secrets: resolveSecrets(spec.data, sources),
      ratings: cs.map((c) => c.ratings.map((r) => ({ rater: String(r.raterKeyId), score: r.score }))),
    },
  )
  const status = STATUS_OF[verdict.status]
  const stats = status === 'ready' ? groupStats(verdict.rewards as number[]) : null
  return {
    status,
    rewards: verdict.rewards,
    // Stored details never carry the task's reference answer (`compared`): only /v1/verify, whose caller sent it, shows it.
    details: verdict.details.map(({ compared: _, extracted, ...d }) =>
      extracted === undefined ? d : { ...d, extracted: storedExtract(extracted) },
    ),
    rewardMean: stats?.mean ?? null,
    rewardStd: stats?.std ?? null,
  }
}

/** The first error reason of a scored group (for reports), or undefined. */
export const firstError = (score: GroupScore): string | undefined =>
  score.details.find((d) => d.status === 'error')?.reason as string | undefined
