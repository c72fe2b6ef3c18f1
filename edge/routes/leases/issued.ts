/**
 * Leases this edge process handed out, kept in memory until their group is submitted, so a submission of them needs
 * no read of the lease, its task and its prompt before verifying: the submit path is then ONE statement
 * (storeGroups), which re-checks everything that can have changed since — the key (revoked or expired: nothing
 * stored), the lease (already used: replayed or refused, expired by the database clock: refused) — under the lease's
 * row lock. What is kept never changes once leased: the lease's worker, task (tasks are never changed once created)
 * and prompt (text and reference answer).
 * Only the happy path is taken from here: a lease not found here (taken through another process or isolate, or
 * forgotten), another worker's, expired by this clock, or a group of the wrong size is read from the database
 * as before, so every refusal and its precedence are the database path's.
 * One map per database handle (Node: one pool for the process; Workers: a handle per request, so nothing is found
 * there and every submission reads the database, as before).
 */
import type { Db, LeaseForSubmit, TakenLease, Task } from '../../../schema/index.js'

/** Most leases remembered per handle (cleared when full: the ones forgotten are read from the database). */
const MAX_LEASES = 100_000

interface Issued {
  lease: LeaseForSubmit
  /** expiry (ms since the epoch, this process's clock) */
  expiresAt: number
}

const maps = new WeakMap<Db, Map<number, Issued>>()
const mapOf = (db: Db) => {
  let m = maps.get(db)
  if (!m) maps.set(db, (m = new Map()))
  return m
}

/** Remember leases just taken by `workerKeyId` for `task`. */
export function rememberLeases(db: Db, task: Task, workerKeyId: number, leases: TakenLease[]) {
  const m = mapOf(db)
  if (m.size + leases.length > MAX_LEASES) m.clear()
  for (const l of leases)
    m.set(l.leaseId, {
      expiresAt: l.expiresAt.getTime(),
      lease: {
        id: l.leaseId,
        workerKeyId,
        submittedHash: null,
        groupId: null,
        expired: false,
        task,
        prompt: { id: l.promptId, text: l.text, answer: l.answer },
      },
    })
}

/**
 * The leases of a submission from memory, when every one of them is remembered, is `workerKeyId`'s, has not
 * expired by this clock (with `marginMs` to spare) and gets a group of its task's size; else null (read them from
 * the database).
 */
export function rememberedLeases(
  db: Db,
  workerKeyId: number,
  items: { leaseId: number; completions: number }[],
  marginMs = 1000,
): Map<number, LeaseForSubmit> | null {
  const m = maps.get(db)
  if (!m) return null
  const now = Date.now()
  const out = new Map<number, LeaseForSubmit>()
  for (const { leaseId, completions } of items) {
    const x = m.get(leaseId)
    if (!x || x.lease.workerKeyId !== workerKeyId || x.expiresAt - marginMs <= now || x.lease.task.groupSize !== completions) return null
    out.set(leaseId, x.lease)
  }
  return out
}

/** Forget leases whose submission reached the database (whatever its outcome). */
export function forgetLeases(db: Db, leaseIds: number[]) {
  const m = maps.get(db)
  if (m) for (const id of leaseIds) m.delete(id)
}
