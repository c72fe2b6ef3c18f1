/**
 * The backpressure gate's cache of readings (edge/routes/leases/backpressure.ts), with the database reading
 * replaced by promises the test resolves: a stale reading that still grants answers at once while a new one is
 * read behind it (one handle: the Node pool); a refusal waits for a fresh reading; a handle per request (Workers)
 * and a reading past MAX_AGE wait too; leases granted while a reading was in flight count against it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Db, IngestPressure } from '../../schema/index.js'

const pending: { resolve: (p: IngestPressure) => void; opts: unknown }[] = []
vi.mock('../../schema/index.js', async (orig) => ({
  ...(await orig<typeof import('../../schema/index.js')>()),
  ingestPressure: vi.fn((_db: unknown, _task: unknown, opts: unknown) => new Promise<IngestPressure>((resolve) => pending.push({ resolve, opts }))),
}))
const { backpressureGate, IDLE_S } = await import('../../edge/routes/leases/backpressure.js')

/** A learner that allows capacity 40 (drain 4 × staleness 2 × 5 s) with `queued` waiting. */
const active = (queued: number): IngestPressure => ({ queued, inFlight: 0, drain: 4, versionS: 5, maxStaleness: 2, lastStepAgeS: 1, groupsPerStep: 4 })
const settle = () => new Promise((r) => setTimeout(r, 0))

describe('backpressure gate', () => {
  const db = {} as Db
  beforeEach(() => {
    pending.length = 0
    vi.useFakeTimers({ toFake: ['performance'] })
  })
  afterEach(() => vi.useRealTimers())

  it('reads once for concurrent requests, only while a learner trains, then serves from the cache', async () => {
    const gate = backpressureGate()
    const a = gate.admit(db, 1, 5)
    const b = gate.admit(db, 1, 5)
    await settle()
    expect(pending).toHaveLength(1)
    expect(pending[0].opts).toEqual({ onlyWithLearnerS: IDLE_S })
    pending[0].resolve(active(30))
    expect((await a).granted).toBe(5)
    expect((await b).granted).toBe(5)
    gate.granted(1, 10)
    expect((await gate.admit(db, 1, 5)).granted).toBe(0) // 30 + 10 granted: full, from the cache
    expect(pending).toHaveLength(1)
  })

  it('a stale reading that grants answers at once and is refreshed behind it; a refusal waits', async () => {
    const gate = backpressureGate()
    const first = gate.admit(db, 1, 1)
    await settle()
    pending[0].resolve(active(20))
    expect((await first).granted).toBe(1)
    gate.granted(1, 1)
    vi.advanceTimersByTime(300) // past CACHE_MS
    // grants from the stale reading at once, one new reading sent
    expect((await gate.admit(db, 1, 4)).granted).toBe(4)
    expect(pending).toHaveLength(2)
    gate.granted(1, 4) // granted while the new reading is in flight: counted against it
    // a request that the stale reading would refuse waits for the new one
    let refused: number | undefined
    const big = gate.admit(db, 1, 30).then((r) => (refused = r.granted))
    await settle()
    expect(refused).toBeUndefined()
    pending[1].resolve(active(21))
    await big
    expect(refused).toBe(40 - 21 - 4)
  })

  it('waits for a new reading on another handle (a handle per request) or past MAX_AGE', async () => {
    const gate = backpressureGate()
    const first = gate.admit(db, 1, 1)
    await settle()
    pending[0].resolve(active(0))
    await first
    vi.advanceTimersByTime(300)
    let done = false
    const other = gate.admit({} as Db, 1, 1).then(() => (done = true))
    await settle()
    expect(done).toBe(false)
    pending[1].resolve(active(0))
    await other
    vi.advanceTimersByTime(5_000)
    done = false
    const old = gate.admit(db, 1, 1).then(() => (done = true))
    await settle()
    expect(done).toBe(false)
    pending[2].resolve(active(0))
    await old
  })
})
