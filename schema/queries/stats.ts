/**
 * Queue and reward statistics (GET /v1/stats, dashboards): counts by status, reward mean per policy version, and
 * per worker key the groups it submitted and those the learner flagged for log-probs that disagree beyond float
 * noise (logprob_mismatch: learner/service/consistency.ts).
 */
import { sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import type { GroupStatus } from './groups.js'
import { rows } from './rows.js'

export interface Stats {
  prompts: number
  leases: { total: number; active: number; submitted: number; expired: number }
  groups: Record<GroupStatus, number>
  /** Mean group reward per policy version (groups with every completion scored). */
  rewardByPolicyVersion: { policyVersion: number; groups: number; rewardMean: number }[]
  modelVersions: number
  trainSteps: number
  /**
   * Per worker key (lease groups): groups submitted, accepted (no flag), flagged logprob_mismatch (most flagged
   * first), and completion tokens per second over the last WORKER_RATE_WINDOW_S.
   */
  workers: { keyId: number; label: string | null; prefix: string; groups: number; accepted: number; logprobMismatch: number; tokensPerSecond: number }[]
}

/** At most this many workers are listed (most flagged, then most groups). */
export const STATS_WORKERS = 50
/** Seconds of recent groups a worker's tokens/s is measured over. */
export const WORKER_RATE_WINDOW_S = 300

const GROUP_STATUSES: GroupStatus[] = ['pending', 'verify_failed', 'ready', 'claimed', 'trained', 'stale', 'discarded']
const num = (x: unknown) => Number(x ?? 0)

/** Statistics over everything, or over one task when `taskId` is given. */
export async function stats(db: Db, taskId?: number): Promise<Stats> {
  const byTask = taskId === undefined ? sql`true` : sql`task_id = ${taskId}`
  const [counts] = await rows<Record<string, unknown>>(
    db,
    sql`SELECT
      (SELECT count(*) FROM prompts WHERE ${byTask}) AS prompts,
      (SELECT count(*) FROM leases WHERE ${byTask}) AS leases_total,
      (SELECT count(*) FROM leases WHERE ${byTask} AND submitted_hash IS NULL AND expires_at >= now()) AS leases_active,
      (SELECT count(*) FROM leases WHERE ${byTask} AND submitted_hash IS NOT NULL) AS leases_submitted,
      (SELECT count(*) FROM leases WHERE ${byTask} AND submitted_hash IS NULL AND expires_at < now()) AS leases_expired,
      (SELECT count(*) FROM model_versions) AS model_versions,
      (SELECT count(*) FROM train_steps) AS train_steps`,
  )
  const byStatus = await rows<{ status: GroupStatus; n: unknown }>(
    db,
    sql`SELECT status, count(*) AS n FROM groups WHERE ${byTask} GROUP BY status`,
  )
  const rewards = await rows<{ policy_version: number; n: unknown; mean: unknown }>(
    db,
    sql`SELECT policy_version, count(*) AS n, avg(reward_mean) AS mean FROM groups
        WHERE ${byTask} AND reward_mean IS NOT NULL GROUP BY policy_version ORDER BY policy_version`,
  )
  const workers = await rows<{ key_id: number; label: string | null; prefix: string; n: unknown; clean: unknown; flagged: unknown; tokens: unknown }>(
    db,
    sql`SELECT l.worker_key_id AS key_id, k.label, k.prefix, count(*) AS n,
          count(*) FILTER (WHERE g.flags = '{}'::jsonb) AS clean,
          sum(CASE WHEN g.created_at > now() - make_interval(secs => ${WORKER_RATE_WINDOW_S})
                   THEN (SELECT coalesce(sum(octet_length(c.token_ids)), 0) / 4 FROM completions c WHERE c.group_id = g.id)
                   ELSE 0 END) AS tokens,
          count(*) FILTER (WHERE g.flags ? 'logprob_mismatch') AS flagged
        FROM groups g JOIN leases l ON l.id = g.lease_id JOIN api_keys k ON k.id = l.worker_key_id
        WHERE ${taskId === undefined ? sql`true` : sql`g.task_id = ${taskId}`}
        GROUP BY l.worker_key_id, k.label, k.prefix ORDER BY flagged DESC, n DESC, key_id LIMIT ${STATS_WORKERS}`,
  )
  const groups = Object.fromEntries(GROUP_STATUSES.map((s) => [s, 0])) as Record<GroupStatus, number>
  for (const r of byStatus) groups[r.status] = num(r.n)
  return {
    prompts: num(counts.prompts),
    leases: {
      total: num(counts.leases_total),
      active: num(counts.leases_active),
      submitted: num(counts.leases_submitted),
      expired: num(counts.leases_expired),
    },
    groups,
    rewardByPolicyVersion: rewards.map((r) => ({
      policyVersion: num(r.policy_version),
      groups: num(r.n),
      rewardMean: num(r.mean),
    })),
    modelVersions: num(counts.model_versions),
    trainSteps: num(counts.train_steps),
    workers: workers.map((w) => ({
      keyId: num(w.key_id),
      label: w.label,
      prefix: w.prefix,
      groups: num(w.n),
      accepted: num(w.clean),
      logprobMismatch: num(w.flagged),
      tokensPerSecond: num(w.tokens) / WORKER_RATE_WINDOW_S,
    })),
  }
}
