/**
 * A run's summary reads and writes (the demo and the benches that run the loop): merge evaluation figures into a
 * version's metrics (the dashboard draws `eval/accuracy` from there), per-version rollout reward, group counts by
 * status, the learner's own throughput, and the stale/trained split and step timeline bench:backpressure reports.
 */
import { sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { rows } from './rows.js'

/** metrics := metrics || patch (jsonb merge) on one model version. */
export async function mergeVersionMetrics(db: Db, version: number, patch: Record<string, unknown>): Promise<void> {
  await db.execute(sql`UPDATE model_versions SET metrics = metrics || ${JSON.stringify(patch)}::jsonb WHERE version = ${version}`)
}

export interface VersionRow {
  version: number
  step: number
  publishedAt: Date
  metrics: Record<string, unknown>
  groups: number
  rewardMean: number | null
}

/** Every published version with the groups its policy generated and their mean reward. */
export async function versionRows(db: Db): Promise<VersionRow[]> {
  const r = await rows<{ version: number; step: number; published_at: unknown; metrics: unknown; groups: unknown; reward_mean: unknown }>(
    db,
    sql`SELECT m.version, m.step, m.published_at, m.metrics, count(g.id) AS groups, avg(g.reward_mean) AS reward_mean
        FROM model_versions m LEFT JOIN groups g ON g.policy_version = m.version AND g.reward_mean IS NOT NULL
        GROUP BY m.version, m.step, m.published_at, m.metrics ORDER BY m.version`,
  )
  return r.map((x) => ({
    version: Number(x.version),
    step: Number(x.step),
    publishedAt: new Date(x.published_at as string),
    metrics: (typeof x.metrics === 'string' ? JSON.parse(x.metrics) : x.metrics) as Record<string, unknown>,
    groups: Number(x.groups),
    rewardMean: x.reward_mean === null ? null : Number(x.reward_mean),
  }))
}

/** Group counts by status (the summary's trained / stale / discarded figures). */
export async function groupCounts(db: Db): Promise<Record<string, number>> {
  const r = await rows<{ status: string; n: unknown }>(db, sql`SELECT status, count(*) AS n FROM groups GROUP BY status`)
  return Object.fromEntries(r.map((x) => [x.status, Number(x.n)]))
}

/** The learner's own throughput: completion tokens trained per second spent inside its steps. */
export async function stepThroughput(db: Db): Promise<{ tokens: number; seconds: number }> {
  const [r] = await rows<{ tokens: unknown; seconds: unknown }>(
    db,
    sql`SELECT coalesce(sum((metrics->>'num_tokens')::float8), 0) AS tokens,
               coalesce(sum((metrics->>'step_time_s')::float8), 0) AS seconds FROM train_steps`,
  )
  return { tokens: Number(r.tokens), seconds: Number(r.seconds) }
}

/** Trained and stale group counts, in all and among groups created after `since` (the steady state). */
export async function staleCounts(db: Db, since: Date): Promise<{ trained: number; stale: number; steadyTrained: number; steadyStale: number }> {
  const at = since.toISOString()
  const [g] = await rows<{ trained: unknown; stale: unknown; s_trained: unknown; s_stale: unknown }>(
    db,
    sql`SELECT count(*) FILTER (WHERE status = 'trained') AS trained, count(*) FILTER (WHERE status = 'stale') AS stale,
               count(*) FILTER (WHERE status = 'trained' AND created_at > ${at}::timestamptz) AS s_trained,
               count(*) FILTER (WHERE status = 'stale' AND created_at > ${at}::timestamptz) AS s_stale
        FROM groups`,
  )
  return { trained: Number(g.trained), stale: Number(g.stale), steadyTrained: Number(g.s_trained), steadyStale: Number(g.s_stale) }
}

/** Every train step's end time, its own duration and the learner's wait for data before it (seconds), in step order. */
export async function stepTimeline(db: Db): Promise<{ endedAt: Date; stepSeconds: number; dataWaitSeconds: number }[]> {
  type M = { step_time_s?: number; data_wait_s?: number }
  const r = await rows<{ created_at: Date | string; metrics: M | string }>(db, sql`SELECT created_at, metrics FROM train_steps ORDER BY step`)
  return r.map((x) => {
    const m = (typeof x.metrics === 'string' ? JSON.parse(x.metrics) : x.metrics) as M
    return { endedAt: new Date(x.created_at), stepSeconds: m.step_time_s ?? 0, dataWaitSeconds: m.data_wait_s ?? 0 }
  })
}
