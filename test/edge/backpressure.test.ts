/**
 * Backpressure: leasing holds workers back (503 + Retry-After, problem+json saying why) while the queue would
 * outlast the staleness window, sized from the learner's recent train_steps and published versions; inactive
 * without a learner; off per task. The capacity formula is checked on hand-worked numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { ingestState, IDLE_S } from '../../edge/routes/leases/backpressure.js'
import { ingestPressure, rows, type IngestPressure } from '../../schema/queries/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

const base: IngestPressure = {
  queued: 0,
  inFlight: 0,
  drain: 4,
  versionS: 5,
  maxStaleness: 2,
  lastStepAgeS: 1,
  groupsPerStep: 4,
}

describe('ingestState (hand-worked)', () => {
  it('capacity = drain × maxStaleness × seconds per version; room and Retry-After from the excess', () => {
    // 4 groups/s × 2 versions × 5 s = 40 groups may wait
    expect(ingestState({ ...base, queued: 30, inFlight: 4 })).toMatchObject({ capacity: 40, room: 6 })
    // 50 ahead: 11 over (the next one included) → 11 / 4 groups/s → 3 s
    expect(ingestState({ ...base, queued: 46, inFlight: 4 })).toMatchObject({ capacity: 40, room: 0, retryAfterS: 3, retryAfterMs: 2750 })
    expect(ingestState({ ...base, queued: 10_000 })).toMatchObject({ retryAfterS: 60, retryAfterMs: 60_000 }) // capped
    // a fast learner (40 groups/s): 1 over → 25 ms to drain, asked as the reading's 250 ms; Retry-After still 1 s
    expect(ingestState({ ...base, drain: 40, versionS: 0.5, queued: 40 })).toMatchObject({ capacity: 40, room: 0, retryAfterS: 1, retryAfterMs: 250 })
    // 60 queued: 21 over (the next one included) at 40 groups/s → 525 ms
    expect(ingestState({ ...base, drain: 40, versionS: 0.5, queued: 60 }).retryAfterMs).toBe(525)
  })

  it('never below two learner batches, so the learner does not wait for data', () => {
    expect(ingestState({ ...base, drain: 0.1, groupsPerStep: 8 }).capacity).toBe(16)
  })

  it('inactive without a recent learner step or enough history', () => {
    for (const p of [
      { lastStepAgeS: null },
      { lastStepAgeS: IDLE_S + 1 },
      { drain: 0 },
      { versionS: null },
      { maxStaleness: null },
    ]) {
      const s = ingestState({ ...base, queued: 1e6, ...p })
      expect(s).toMatchObject({ capacity: null, room: Infinity })
    }
  })
})

describe('POST /v1/leases under backpressure', () => {
  let t: TestEdge
  const lease = (task: string, count?: number) =>
    t.call('POST', '/v1/leases', { key: t.keys.worker, body: count ? { task, count } : { task } })

  beforeAll(async () => {
    t = await testEdge()
    await seedTask(t.db, 'held', { groupSize: 2, prompts: 200 })
    await seedTask(t.db, 'free', { groupSize: 2, prompts: 200 })
    await t.call('POST', '/v1/tasks', {
      body: { name: 'unheld', verifier: { type: 'exact' }, groupSize: 2, backpressure: false },
    })
    await t.call('POST', '/v1/tasks/unheld/prompts', { body: { prompts: Array.from({ length: 100 }, (_, i) => ({ prompt: `p${i}`, answer: 'a' })) } })
  })
  afterAll(() => t?.close())

  it('leases freely while no learner has trained', async () => {
    expect((await lease('free', 64)).status).toBe(201)
    const s = (await (await t.call('GET', '/v1/stats?task=free')).json()) as any
    expect(s.ingest).toMatchObject({ capacity: null, heldBack: false, inFlight: 64, queueDepth: 0 })
    expect(s.ingest.reason).toMatch(/no learner/)
    // leasing's reading skips the counts while no learner trains; stats count always
    const [{ id }] = await rows<{ id: number }>(t.db, sql`SELECT id FROM tasks WHERE name = 'free'`)
    expect(await ingestPressure(t.db, id)).toMatchObject({ inFlight: 64, lastStepAgeS: null })
    expect(await ingestPressure(t.db, id, { onlyWithLearnerS: IDLE_S })).toMatchObject({ inFlight: 0, queued: 0, lastStepAgeS: null })
  })

  it('a learner training 4 groups/s with maxStaleness 1 and a version every 5 s: about 20 may wait, then 503', async () => {
    // ten steps over the last ~10 s, 4 groups each, maxStaleness 1; two versions 5 s apart
    await rows(
      t.db,
      sql`INSERT INTO train_steps (step, policy_version, metrics, group_count, created_at)
          SELECT g, 0, '{"max_staleness": 1}'::jsonb, 4, now() - make_interval(secs => 11 - g) FROM generate_series(1, 10) g`,
    )
    await rows(
      t.db,
      sql`INSERT INTO model_versions (version, step, artifact_uri, sha256, published_at)
          VALUES (0, 0, 'file:///v0', 'a', now() - interval '6 s'), (1, 2, 'file:///v1', 'b', now() - interval '1 s')`,
    )
    // the 64 open leases of task "free" count for that task only
    const first = await lease('held', 64)
    expect(first.status).toBe(201)
    const got = ((await first.json()) as any).leases.length
    expect(got).toBeGreaterThanOrEqual(15) // 40 groups / ~10-11 s × 5 s
    expect(got).toBeLessThanOrEqual(20)
    // with a learner the leasing reading counts
    const [{ id }] = await rows<{ id: number }>(t.db, sql`SELECT id FROM tasks WHERE name = 'held'`)
    expect(await ingestPressure(t.db, id, { onlyWithLearnerS: IDLE_S })).toMatchObject({ inFlight: got })
    const held = await lease('held')
    expect(held.status).toBe(503)
    expect(held.headers.get('content-type')).toMatch(/problem\+json/)
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    const problem = (await held.json()) as any
    expect(problem.detail).toMatch(/held back so rollouts do not go stale: \d+ groups queued or in flight; the learner trains/)
    // the same wait to the millisecond: between the 250 ms floor and Retry-After's whole seconds
    expect(problem.retryAfterMs).toBeGreaterThanOrEqual(250)
    expect(problem.retryAfterMs).toBeLessThanOrEqual(Number(held.headers.get('retry-after')) * 1000)
    const s = (await (await t.call('GET', '/v1/stats?task=held')).json()) as any
    expect(s.ingest).toMatchObject({ heldBack: true, inFlight: got })
    expect(s.ingest.drainPerS).toBeGreaterThan(3)
    expect(s.ingest.drainPerS).toBeLessThan(4.1)
  })

  it('a task with backpressure off is never held', async () => {
    const r = await lease('unheld', 64)
    expect(r.status).toBe(201)
    expect(((await r.json()) as any).leases).toHaveLength(64)
    const s = (await (await t.call('GET', '/v1/stats?task=unheld')).json()) as any
    expect(s.ingest).toMatchObject({ heldBack: false, capacity: null, reason: 'backpressure is off for this task' })
  })

  it('inactive again once the learner stopped training (no step for IDLE_S)', async () => {
    await rows(t.db, sql`UPDATE train_steps SET created_at = created_at - make_interval(secs => ${IDLE_S + 5})`)
    await new Promise((r) => setTimeout(r, 300)) // past the reading cache
    expect((await lease('held')).status).toBe(201)
  })

  it('stats: stale fraction of the groups the learner consumed', async () => {
    await rows(t.db, sql`INSERT INTO groups (task_id, prompt_id, lease_id, policy_version, status)
      SELECT l.task_id, l.prompt_id, l.id, 0, (CASE WHEN l.id % 4 = 0 THEN 'stale' ELSE 'trained' END)::group_status
      FROM leases l JOIN tasks ta ON ta.id = l.task_id WHERE ta.name = 'unheld' ORDER BY l.id LIMIT 40`)
    const s = (await (await t.call('GET', '/v1/stats?task=unheld')).json()) as any
    expect(s.ingest.staleFraction).toBeCloseTo(s.groups.stale / (s.groups.stale + s.groups.trained), 12)
    expect(s.groups.stale + s.groups.trained).toBe(40)
  })
})
