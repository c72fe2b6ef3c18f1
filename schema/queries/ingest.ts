/**
 * Ingest pressure of a task: what leasing needs to hold workers back before their rollouts would go stale, and
 * what /v1/stats shows. One statement, every part an index range:
 *   queued     groups of the task waiting for the learner (ready + claimed)
 *   inFlight   open leases of the task (each will become a group: rollouts being generated)
 *   drain      groups trained per second over the learner's last STEPS steps (train_steps, all tasks)
 *   versionS   seconds between published versions (last VERSIONS versions)
 *   maxStaleness  the learner's staleness bound in versions, as its newest step recorded it
 *   lastStepAgeS  seconds since the newest step (no recent step: no learner attached)
 *   groupsPerStep mean groups per step (the learner's batch)
 */
import { sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { rows } from './rows.js'

/** Steps and versions the rates are measured over. */
const STEPS = 20
const VERSIONS = 10

export interface IngestPressure {
  queued: number
  inFlight: number
  /** groups trained per second (0 when there are no steps) */
  drain: number
  /** seconds per published version (null with fewer than two versions) */
  versionS: number | null
  /** from the newest train step's metrics (null when it did not record one) */
  maxStaleness: number | null
  /** seconds since the newest train step (null: never trained) */
  lastStepAgeS: number | null
  /** mean groups per step over the same steps (0 when none) */
  groupsPerStep: number
}

const num = (x: unknown) => (x === null || x === undefined ? null : Number(x))

/**
 * Of one task (leasing), or of every task together when `taskId` is omitted (stats). `onlyWithLearnerS`: count
 * queued and in-flight groups only when a train step is at most that many seconds old (else both are 0): leasing
 * holds nothing back without a learner, and the counts (every open lease, every queued group) grow with the queue.
 */
export async function ingestPressure(db: Db, taskId?: number, opts: { onlyWithLearnerS?: number } = {}): Promise<IngestPressure> {
  const byTask = taskId === undefined ? sql`true` : sql`task_id = ${taskId}`
  const counted =
    opts.onlyWithLearnerS === undefined
      ? sql`true`
      : sql`coalesce((SELECT max(created_at) FROM steps) >= now() - make_interval(secs => ${opts.onlyWithLearnerS}::double precision), false)`
  const [r] = await rows<Record<string, unknown>>(
    db,
    sql`
    WITH steps AS (SELECT group_count, created_at, metrics FROM train_steps ORDER BY step DESC LIMIT ${STEPS}),
    vers AS (SELECT published_at FROM model_versions ORDER BY version DESC LIMIT ${VERSIONS})
    SELECT
      CASE WHEN ${counted} THEN (SELECT count(*) FROM groups WHERE ${byTask} AND status IN ('ready', 'claimed')) ELSE 0 END AS queued,
      CASE WHEN ${counted} THEN (SELECT count(*) FROM leases WHERE ${byTask} AND submitted_hash IS NULL AND expires_at > now()) ELSE 0 END AS in_flight,
      (SELECT sum(group_count) FROM steps) AS step_groups,
      (SELECT extract(epoch FROM now() - min(created_at)) FROM steps) AS step_span_s,
      (SELECT extract(epoch FROM now() - max(created_at)) FROM steps) AS last_step_age_s,
      (SELECT (metrics->>'max_staleness')::float8 FROM steps ORDER BY created_at DESC LIMIT 1) AS max_staleness,
      (SELECT count(*) FROM steps) AS steps,
      (SELECT count(*) FROM vers) AS versions,
      (SELECT extract(epoch FROM max(published_at) - min(published_at)) FROM vers) AS version_span_s`,
  )
  const versions = Number(r.versions)
  const span = num(r.step_span_s)
  const steps = Number(r.steps)
  return {
    queued: Number(r.queued),
    inFlight: Number(r.in_flight),
    drain: span && span > 0 ? Number(r.step_groups ?? 0) / span : 0,
    versionS: versions >= 2 ? Number(r.version_span_s) / (versions - 1) : null,
    maxStaleness: num(r.max_staleness),
    lastStepAgeS: num(r.last_step_age_s),
    groupsPerStep: steps ? Number(r.step_groups ?? 0) / steps : 0,
  }
}
