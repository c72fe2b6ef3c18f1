/**
 * Leases: hand a prompt to one worker until an expiry, and read a lease back for submission.
 * Picking: among the task's prompts not leased right now, the least-leased one in a random order (`shuffle` is
 * redrawn on every lease, so every pass is a fresh permutation); `FOR UPDATE SKIP LOCKED` keeps concurrent
 * workers on different prompts (on a real server; PGlite serialises everything anyway). One statement.
 * No lease is made for a revoked or expired key: the statement reads the key under FOR KEY SHARE, so it either
 * sees a revocation that committed first or makes the revocation (which ends the key's open leases) wait for it.
 */
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { apiKeys, leases, prompts, tasks, type Task } from '../schema.js'
import { hotStatement } from './rows.js'

export interface TakenLease {
  leaseId: number
  promptId: number
  text: string
  /** the prompt's reference answer: for verifying the lease's group at the edge that handed it out, never to send */
  answer: string | null
  modelVersion: number
  expiresAt: Date
}

/** Lease a prompt of `task` to `workerKeyId`; null when every prompt is leased (or the task has none). */
export async function leasePrompt(
  db: Db,
  args: { taskId: number; workerKeyId: number; leaseSeconds: number },
): Promise<TakenLease | null> {
  return (await leasePrompts(db, { ...args, count: 1 }))[0] ?? null
}

/** Most prompts one leasePrompts call leases. */
export const MAX_LEASES = 256

type LeaseArgs = { taskId: number; workerKeyId: number; leaseSeconds: number; count: number }

/**
 * leasePrompts' statement for counts up to `limit` (a power of two; built once each: hotStatement). `pick`'s LIMIT
 * is that constant and only the first `count` of its rows are read, so only they are locked (a WITH query is
 * evaluated as far as it is read). The constant lets the prepared statement keep one generic plan: with
 * `LIMIT count` a parameter, Postgres guesses 10 % of the rows for a generic plan, judged it dearer than a custom
 * one and planned the statement again on every call (~0.3 ms of Postgres CPU, more than running it); a small
 * constant keeps the ordered index scan that a small LIMIT gets. Each prompt is updated by an index probe.
 */
const leaseStatement = (limit: number) =>
  hotStatement((a: LeaseArgs) =>
  sql`
      WITH live AS (
        SELECT id FROM ${apiKeys}
        WHERE id = ${a.workerKeyId} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        FOR KEY SHARE
      ), pick AS (
        SELECT id FROM ${prompts}
        WHERE task_id = ${a.taskId} AND (leased_until IS NULL OR leased_until < now()) AND EXISTS (SELECT 1 FROM live)
        ORDER BY times_leased, shuffle
        LIMIT ${sql.raw(String(limit))}
        FOR UPDATE SKIP LOCKED
      ), upd AS (
        UPDATE ${prompts} p
        SET times_leased = p.times_leased + 1, shuffle = random(),
            leased_until = now() + make_interval(secs => ${a.leaseSeconds}::double precision)
        WHERE p.id = ANY (ARRAY(SELECT id FROM pick LIMIT ${a.count}))
        RETURNING p.id, p.text, p.answer, p.leased_until
      ), ins AS (
        INSERT INTO ${leases} (prompt_id, task_id, worker_key_id, model_version, expires_at)
        SELECT upd.id, ${a.taskId}, ${a.workerKeyId},
               (SELECT coalesce(max(version), 0) FROM model_versions), upd.leased_until
        FROM upd
        RETURNING id, prompt_id, model_version, expires_at
      )
      SELECT ins.id AS lease_id, ins.prompt_id, upd.text, upd.answer, ins.model_version, ins.expires_at
      FROM ins JOIN upd ON upd.id = ins.prompt_id
      ORDER BY ins.id`,
  )
const leaseStatements = new Map<number, ReturnType<typeof leaseStatement>>()
/** The statement for `count`: LIMIT the next power of two (1, 2, 4 … MAX_LEASES). */
function leaseStatementFor(count: number) {
  const limit = 2 ** Math.ceil(Math.log2(count))
  let s = leaseStatements.get(limit)
  if (!s) leaseStatements.set(limit, (s = leaseStatement(limit)))
  return s
}

/**
 * Lease up to `count` distinct prompts of `task` in one statement; fewer (or none) when fewer are free or the key
 * is no longer live (revoked or expired).
 */
export async function leasePrompts(db: Db, args: LeaseArgs): Promise<TakenLease[]> {
  if (!(Number.isInteger(args.count) && args.count >= 1 && args.count <= MAX_LEASES))
    throw new RangeError(`leasePrompts: count must be 1–${MAX_LEASES}, got ${args.count}`)
  const got = await leaseStatementFor(args.count)<{
    lease_id: number
    prompt_id: number
    text: string
    answer: string | null
    model_version: number
    expires_at: Date | string
  }>(db, args)
  return got.map((row) => ({
    leaseId: row.lease_id,
    promptId: row.prompt_id,
    text: row.text,
    answer: row.answer,
    modelVersion: row.model_version,
    expiresAt: new Date(row.expires_at),
  }))
}

export interface LeaseForSubmit {
  id: number
  workerKeyId: number
  submittedHash: string | null
  groupId: number | null
  expired: boolean
  task: Task
  prompt: { id: number; text: string; answer: string | null }
}

/** Leases with their tasks and prompts, and whether the submitting key is still live. */
export interface LeasesForSubmit {
  leases: Map<number, LeaseForSubmit>
  /** the key is neither revoked nor expired (null: no lease found to read it with) */
  keyLive: boolean | null
}

/**
 * Several leases with their tasks and prompts (reference answers included: for verification only, never to send)
 * in one query, by lease id (unknown ids are absent), and the state of key `workerKeyId` read in the same snapshot.
 */
export async function getLeases(db: Db, leaseIds: number[], workerKeyId: number): Promise<LeasesForSubmit> {
  if (leaseIds.length === 0) return { leases: new Map(), keyLive: null }
  const got = await leasesQuery(db).execute({ ids: leaseIds.join(','), me: workerKeyId })
  return { leases: new Map(got.map(({ keyLive: _, ...r }) => [r.id, r])), keyLive: got.length ? got[0].keyLive : null }
}

/** getLeases' query, built once per database handle (it runs on every submission). */
const leasesQueries = new WeakMap<Db, ReturnType<typeof buildLeasesQuery>>()
function leasesQuery(db: Db) {
  let q = leasesQueries.get(db)
  if (!q) leasesQueries.set(db, (q = buildLeasesQuery(db)))
  return q
}

function buildLeasesQuery(db: Db) {
  const me = sql.placeholder('me')
  return db
    .select({
      id: leases.id,
      workerKeyId: leases.workerKeyId,
      submittedHash: leases.submittedHash,
      groupId: leases.groupId,
      expired: sql<boolean>`${leases.expiresAt} < now()`,
      keyLive: sql<boolean>`EXISTS (SELECT 1 FROM ${apiKeys} k WHERE k.id = ${me}::int AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))`,
      task: tasks,
      prompt: { id: prompts.id, text: prompts.text, answer: prompts.answer },
    })
    .from(leases)
    .innerJoin(tasks, eq(tasks.id, leases.taskId))
    .innerJoin(prompts, eq(prompts.id, leases.promptId))
    // lease ids as one comma-separated text parameter: the same statement for any number of them
    .where(sql`${leases.id} = ANY (string_to_array(${sql.placeholder('ids')}::text, ',')::int[])`)
    .prepare('cohort_leases_for_submit')
}
