/**
 * Backpressure: lease with the consumer in mind (cf. prime-rl's adaptive in-flight limit, AReaL's max
 * off-policyness, verl's staleness threshold). A rollout leased now is trained after the groups ahead of it:
 *   wait ≈ (queued + in flight) / drain          (drain: groups trained per second, from recent train_steps)
 * and goes stale once more than maxStaleness versions were published meanwhile, i.e. when
 *   wait > maxStaleness × versionS                (versionS: seconds per published version)
 * so the queue may hold at most  capacity = drain × maxStaleness × versionS  groups (never less than two of the
 * learner's batches, so it never waits for data). Beyond that, POST /v1/leases answers 503 with Retry-After =
 * the time the learner needs to drain the excess, and the same to the millisecond in the problem's `retryAfterMs`
 * (Retry-After has whole seconds; a fast learner drains the excess in less than one, and a worker asleep for a
 * second meanwhile leaves the learner without data: `cohort rollout` waits exactly retryAfterMs, no further backoff). Inactive (never holds back) while no learner trains:
 * no train step in the last IDLE_S seconds, or too little history to measure rates.
 * Readings are cached per app and task for CACHE_MS; leases granted meanwhile count as in flight.
 */
import { ingestPressure, type Db, type IngestPressure } from '../../../schema/index.js'

/** No train step for this long: no learner attached, never hold back. */
export const IDLE_S = 120
/** How long one reading of the database serves leasing. */
const CACHE_MS = 250
/** The oldest reading that may still serve (stale, while a new one is read) before leasing waits for a new one. */
const MAX_AGE_MS = 2_000
const MAX_RETRY_S = 60
/** The shortest wait asked of a worker held back: a reading serves CACHE_MS, so asking again sooner finds the same. */
const MIN_RETRY_MS = CACHE_MS

export interface IngestState extends IngestPressure {
  /** null: backpressure inactive (why in `reason`) */
  capacity: number | null
  /** leases that may be granted now (Infinity when inactive) */
  room: number
  /** seconds to wait when room is 0 (Retry-After: whole seconds, at least 1) */
  retryAfterS: number
  /** the same in milliseconds (at least MIN_RETRY_MS): the problem body's retryAfterMs */
  retryAfterMs: number
  reason: string
}

export function ingestState(p: IngestPressure): IngestState {
  const inactive = (reason: string): IngestState => ({ ...p, capacity: null, room: Infinity, retryAfterS: 0, retryAfterMs: 0, reason })
  if (p.lastStepAgeS === null || p.lastStepAgeS > IDLE_S) return inactive(`no learner has trained in the last ${IDLE_S} s`)
  if (p.drain <= 0 || p.versionS === null || p.maxStaleness === null)
    return inactive('too little learner history to measure its drain rate and staleness window')
  const capacity = Math.max(p.drain * p.maxStaleness * p.versionS, 2 * p.groupsPerStep)
  const ahead = p.queued + p.inFlight
  const room = Math.max(0, Math.floor(capacity - ahead))
  // the time the learner needs to drain the excess (one more group than fits), at its measured rate
  const drainS = (ahead - capacity + 1) / p.drain
  const retryAfterS = Math.min(MAX_RETRY_S, Math.max(1, Math.ceil(drainS)))
  const retryAfterMs = Math.min(MAX_RETRY_S * 1000, Math.max(MIN_RETRY_MS, Math.ceil(drainS * 1000)))
  const reason =
    `${ahead} groups queued or in flight; the learner trains ${p.drain.toFixed(2)} groups/s and a group goes stale ` +
    `after ${p.maxStaleness} versions (${(p.maxStaleness * p.versionS).toFixed(0)} s), so at most ${Math.floor(capacity)} may wait`
  return { ...p, capacity, room, retryAfterS, retryAfterMs, reason }
}

interface Reading {
  at: number
  pressure: IngestPressure
  /** the task's leases granted (grantedTotal) when the reading's statement was sent: those since count as in flight */
  grantedBefore: number
  /** the handle it was read on (a long-lived pool may refresh it in the background) */
  db: Db
}

/**
 * Per-app cache of readings by task id. Lease requests that find it stale on the same database handle share one
 * new reading (Node: one pool for every request); a handle per request (Workers, where one request must not wait
 * on another's I/O) reads its own. On a long-lived handle a stale reading that still grants serves while a new one
 * is read in the background (up to MAX_AGE_MS), so leasing does not wait for the counts every CACHE_MS; a refusal
 * is always decided on a fresh reading. Readings count only while a learner trains (IDLE_S): without one nothing
 * is held back and the counts would be read for nothing.
 */
export function backpressureGate() {
  const readings = new Map<number, Reading>()
  /** leases granted per task since the gate was made; a reading's in-flight count adds those granted after it was sent */
  const grantedTotal = new Map<number, number>()
  const reading = new WeakMap<Db, Map<number, Promise<Reading>>>()
  const read = (db: Db, taskId: number) => {
    let mine = reading.get(db)
    if (!mine) reading.set(db, (mine = new Map()))
    let p = mine.get(taskId)
    if (!p) {
      const at = performance.now()
      const before = grantedTotal.get(taskId) ?? 0
      p = ingestPressure(db, taskId, { onlyWithLearnerS: IDLE_S })
        .then((pressure) => {
          const r = { at, pressure, grantedBefore: before, db }
          const had = readings.get(taskId)
          if (!had || had.at <= at) readings.set(taskId, r)
          return r
        })
        .finally(() => mine.delete(taskId))
      mine.set(taskId, p)
    }
    return p
  }
  const grantedSince = (taskId: number, r: Reading) => (grantedTotal.get(taskId) ?? 0) - r.grantedBefore
  const stateOf = (taskId: number, r: Reading) => ingestState({ ...r.pressure, inFlight: r.pressure.inFlight + grantedSince(taskId, r) })
  return {
    /** How many of `want` leases may be granted now for the task, and the state behind the answer. */
    async admit(db: Db, taskId: number, want: number): Promise<{ granted: number; state: IngestState }> {
      let r = readings.get(taskId)
      const age = r ? performance.now() - r.at : Infinity
      if (r && age > CACHE_MS && age <= MAX_AGE_MS && r.db === db && stateOf(taskId, r).room >= want) {
        // stale but granting: answer from it, refresh behind it (an error there is the next request's to see)
        read(db, taskId).catch(() => {})
      } else if (!r || age > CACHE_MS) r = await read(db, taskId)
      const state = stateOf(taskId, r)
      return { granted: Math.min(want, state.room), state }
    },
    /** Count leases actually handed out (each reading counts those granted after its statement was sent). */
    granted(taskId: number, n: number) {
      grantedTotal.set(taskId, (grantedTotal.get(taskId) ?? 0) + n)
    },
  }
}
export type BackpressureGate = ReturnType<typeof backpressureGate>
