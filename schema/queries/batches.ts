/**
 * Batches: the learner's claim protocol (learner.ts) offered to trainers outside Cohort over HTTP.
 *
 *   openBatch ──▶ open(groups claimed by "batch:<id>") ──completeBatch──▶ completed(step)   groups → trained
 *                   │ ├──renewBatch (heartbeat)              └──releaseBatch──▶ released      groups → ready
 *                   └── claim expired (releaseExpiredClaims) ──▶ expired (found by renew/complete) groups → ready
 *
 * Every transition locks the batch row, so a repeated /complete is answered from the row (exactly once), and a
 * batch whose claim lapsed can never be completed: its groups may already be in another trainer's batch.
 */
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { batches, groups, tasks, type Batch } from '../schema.js'
import {
  ClaimLostError,
  claimReadyGroups,
  completeStep,
  markStale,
  releaseClaims,
  releaseExpiredClaims,
  renewHeldClaims,
} from './learner.js'
import { latestModel } from './models.js'

/** The claim owner of a batch's groups. */
export const batchOwner = (batchId: number) => `batch:${batchId}`

export interface OpenBatchArgs {
  /** the learner key claiming (null: bootstrap admin) */
  keyId: number | null
  /** most groups to claim */
  limit: number
  claimTtlMs: number
  /** only this task's groups */
  taskId?: number
  /** mark ready groups older than newest version − maxStaleness stale first (the learner's staleness rule) */
  maxStaleness?: number
}

export interface OpenedBatch {
  batch: Batch
  claimExpiresAt: Date
  /** groups marked stale before claiming */
  staleMarked: number
}

/**
 * Return lapsed claims to the queue, apply the staleness rule, then claim up to `limit` of the oldest ready
 * groups for a new batch, in one transaction. Null when no group is ready (no batch row is kept).
 */
export async function openBatch(db: Db, a: OpenBatchArgs): Promise<OpenedBatch | null> {
  await releaseExpiredClaims(db)
  const policyVersion = (await latestModel(db))?.version ?? 0
  const taskIds = a.taskId === undefined ? undefined : [a.taskId]
  const staleMarked =
    a.maxStaleness === undefined
      ? 0
      : (await markStale(db, { minPolicyVersion: policyVersion - a.maxStaleness, taskIds })).length
  return db.transaction(async (tx) => {
    const [batch] = await tx
      .insert(batches)
      .values({ keyId: a.keyId, groupIds: [], policyVersion })
      .returning()
    const claimed = await claimReadyGroups(tx as unknown as Db, {
      owner: batchOwner(batch.id),
      limit: a.limit,
      claimTtlMs: a.claimTtlMs,
      taskIds,
    })
    if (claimed.length === 0) {
      await tx.delete(batches).where(eq(batches.id, batch.id))
      return null
    }
    const [out] = await tx
      .update(batches)
      .set({ groupIds: claimed.map((g) => g.id) })
      .where(eq(batches.id, batch.id))
      .returning()
    return { batch: out, claimExpiresAt: claimed[0].claimExpiresAt, staleMarked }
  })
}

export async function getBatch(db: Db, id: number): Promise<Batch | null> {
  const [row] = await db.select().from(batches).where(eq(batches.id, id)).limit(1)
  return row ?? null
}

/** Lock an open batch in `tx`, or say why it is not open. */
async function lockBatch(tx: Db, id: number): Promise<Batch | null> {
  const [row] = await tx.select().from(batches).where(eq(batches.id, id)).for('update')
  return row ?? null
}

const close = (tx: Db, id: number, status: Batch['status'], step: number | null = null) =>
  tx
    .update(batches)
    .set({ status, step, closedAt: sql`now()` })
    .where(eq(batches.id, id))
    .returning()
    .then((r) => r[0])

export type BatchOutcome<T> = { kind: 'ok'; batch: Batch; value: T } | { kind: 'not_open'; batch: Batch } | { kind: 'not_found' }

/**
 * Push the claim forward. Groups whose claim already lapsed are not taken back; when none is held any more the
 * batch becomes `expired`. `value`: the expiry and the ids still held.
 */
export async function renewBatch(
  db: Db,
  id: number,
  claimTtlMs: number,
): Promise<BatchOutcome<{ held: number[]; expiresAt: Date | null }>> {
  return db.transaction(async (tx0) => {
    const tx = tx0 as unknown as Db
    const batch = await lockBatch(tx, id)
    if (!batch) return { kind: 'not_found' }
    if (batch.status !== 'open') return { kind: 'not_open', batch }
    const held = await renewHeldClaims(tx, { owner: batchOwner(id), groupIds: batch.groupIds, claimTtlMs })
    const expiresAt = held.length ? held[0].claimExpiresAt : null
    if (held.length === 0) return { kind: 'not_open', batch: await close(tx, id, 'expired') }
    return { kind: 'ok', batch, value: { held: held.map((h) => h.id), expiresAt } }
  })
}

export interface CompleteBatchArgs {
  step: number
  /** the version the step started from (default: the batch's policyVersion) */
  policyVersion?: number
  metrics: Record<string, number>
}

/**
 * Commit the trainer's step: every group of the batch → trained(step) and one train_steps row, in one
 * transaction, only while the batch holds all its claims. A lapsed claim → the batch is `expired`, its groups stay
 * in the queue, nothing is written. Completing a completed batch again answers `not_open` (the caller compares
 * the step to tell a retry from a conflict).
 */
export async function completeBatch(db: Db, id: number, a: CompleteBatchArgs): Promise<BatchOutcome<null>> {
  try {
    return await db.transaction(async (tx0) => {
      const tx = tx0 as unknown as Db
      const batch = await lockBatch(tx, id)
      if (!batch) return { kind: 'not_found' }
      if (batch.status !== 'open') return { kind: 'not_open', batch }
      await completeStep(tx, {
        owner: batchOwner(id),
        groupIds: batch.groupIds,
        step: a.step,
        policyVersion: a.policyVersion ?? batch.policyVersion,
        metrics: a.metrics,
      })
      return { kind: 'ok', batch: await close(tx, id, 'completed', a.step), value: null }
    })
  } catch (err) {
    if (!(err instanceof ClaimLostError)) throw err
    // the step was rolled back; give back what is still held and record why
    await releaseClaims(db, { owner: batchOwner(id) })
    const [batch] = await db
      .update(batches)
      .set({ status: 'expired', closedAt: sql`now()` })
      .where(and(eq(batches.id, id), eq(batches.status, 'open')))
      .returning()
    return { kind: 'not_open', batch: batch ?? (await getBatch(db, id))! }
  }
}

/** Give the batch's groups back to the queue at once (a trainer that will not train them). Idempotent. */
export async function releaseBatch(db: Db, id: number): Promise<BatchOutcome<{ released: number }>> {
  return db.transaction(async (tx0) => {
    const tx = tx0 as unknown as Db
    const batch = await lockBatch(tx, id)
    if (!batch) return { kind: 'not_found' }
    if (batch.status !== 'open') return { kind: 'not_open', batch }
    const released = await releaseClaims(tx, { owner: batchOwner(id) })
    return { kind: 'ok', batch: await close(tx, id, 'released'), value: { released } }
  })
}

/** Task ids by name, for the batch filter. */
export async function taskIdByName(db: Db, name: string): Promise<number | null> {
  const [row] = await db.select({ id: tasks.id }).from(tasks).where(eq(tasks.name, name)).limit(1)
  return row?.id ?? null
}

/** The earliest claim expiry among the groups an open batch still holds (null: holds none). */
export async function batchClaimExpiry(db: Db, id: number): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | string | null>`min(${groups.claimExpiresAt})` })
    .from(groups)
    .where(and(eq(groups.status, 'claimed'), eq(groups.claimedBy, batchOwner(id))))
  return row?.at ? new Date(row.at) : null
}
