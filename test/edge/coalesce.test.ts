/**
 * Write-combining of single lease / submit requests (edge/routes/leases/coalesce.ts): the combiner on its own, then
 * through the API on a real database — concurrent single requests of one key go to the database together, and each
 * still gets its own outcome (201, replay 200, 409, 404, 403), exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { coalescer } from '../../edge/routes/leases/coalesce.js'
import { singleSubmitStats } from '../../edge/routes/leases/submit.js'
import { createKey, rows } from '../../schema/queries/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

describe('coalescer', () => {
  /** A batch call that waits for `release` and records what each call carried. */
  function gated() {
    const calls: number[][] = []
    let release: () => void = () => {}
    let gate = new Promise<void>((r) => (release = r))
    const c = coalescer<number, string>({
      run: async (items) => {
        calls.push(items)
        await gate
        return items.map((i) => `out${i}`)
      },
      maxInFlight: 1,
      distinct: (i) => i % 10,
    })
    return {
      c,
      calls,
      open() {
        release()
        gate = Promise.resolve()
      },
    }
  }

  it('sends the first item at once and combines the ones that arrive meanwhile; outcomes go back in order', async () => {
    const g = gated()
    const outs = [1, 2, 3, 4].map((i) => g.c.run('k', i))
    expect(g.calls).toEqual([[1]]) // nothing waited to fill a batch
    g.open()
    expect(await Promise.all(outs)).toEqual(['out1', 'out2', 'out3', 'out4'])
    expect(g.calls).toEqual([[1], [2, 3, 4]])
    expect(g.c.stats).toEqual({ calls: 2, items: 4 })
  })

  it('puts items with the same distinct key in different calls, in arrival order; lanes never mix', async () => {
    const g = gated()
    const outs = [g.c.run('k', 1), g.c.run('k', 2), g.c.run('k', 12), g.c.run('k', 22), g.c.run('k', 3), g.c.run('other', 4)]
    g.open()
    await Promise.all(outs)
    expect(g.calls).toEqual([[1], [4], [2, 3], [12], [22]])
  })

  it("a failed call fails each of its items, and the lane goes on", async () => {
    let n = 0
    const c = coalescer<number, number>({
      run: async (items) => {
        if (n++ === 1) throw new Error('database down')
        return items
      },
      maxInFlight: 1,
    })
    const outs = [1, 2, 3].map((i) => c.run('k', i).then((x) => x, (e: Error) => e.message))
    expect(await Promise.all(outs)).toEqual([1, 'database down', 'database down'])
    expect(await c.run('k', 9)).toBe(9)
  })
})

describe('single requests combined through the API', () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
    await seedTask(t.db, 'arith', { groupSize: 4, prompts: 64 })
  })
  afterAll(() => t?.close())

  const groupFor = (promptText: string, right: number) => ({
    modelVersion: 0,
    completions: Array.from({ length: 4 }, (_, k) => ({ text: k < right ? ` A${promptText.slice(1)} ` : 'nope' })),
  })
  const lease = (key = t.keys.worker) => t.call('POST', '/v1/leases', { key, body: { task: 'arith' } })
  const submit = (leaseId: number, body: unknown, key = t.keys.worker) => t.call('POST', `/v1/leases/${leaseId}/group`, { key, body })

  it('concurrent leases get distinct prompts; concurrent submits each get their own outcome, stored once', async () => {
    const leased = await Promise.all(Array.from({ length: 16 }, () => lease()))
    expect(leased.map((r) => r.status)).toEqual(Array(16).fill(201))
    const ls = (await Promise.all(leased.map((r) => r.json()))) as any[]
    expect(new Set(ls.map((l) => l.prompt.id)).size).toBe(16)
    expect(new Set(ls.map((l) => l.leaseId)).size).toBe(16)

    const other = await createKey(t.db, 'worker', { label: 'other' })
    const before = { ...singleSubmitStats(t.db) }
    const [l0, l1, l2] = ls
    const sent = [
      ...ls.map((l, i) => submit(l.leaseId, groupFor(l.prompt.text, i % 5))), // 16 first submissions: 201
      submit(l0.leaseId, groupFor(l0.prompt.text, 0)), // the same body again: the same group (200)
      submit(l1.leaseId, groupFor(l1.prompt.text, 4)), // another body for a used lease: 409
      submit(l2.leaseId, groupFor(l2.prompt.text, 2), other.key), // another worker's lease: 403
      submit(999_999, groupFor('q1', 1)), // unknown lease: 404
    ]
    const res = await Promise.all(sent)
    const bodies = (await Promise.all(res.map((r) => r.json()))) as any[]
    // the two submissions of l0 (same body) and of l1 (different bodies) race as they would alone: one stores
    const status = res.map((r) => r.status)
    expect(status.slice(2, 16)).toEqual(Array(14).fill(201))
    expect([status[0], status[16]].sort()).toEqual([200, 201])
    expect(bodies[16].groupId).toBe(bodies[0].groupId)
    expect([status[1], status[17]].sort()).toEqual([201, 409])
    expect(status.slice(18)).toEqual([403, 404])
    ls.forEach((l, i) => i > 1 && expect(bodies[i].rewards).toEqual([0, 1, 2, 3].map((k) => (k < i % 5 ? 1 : 0))))
    // combined: fewer calls than requests (the first ones go alone, the rest wait for them); the other key's
    // request is a call of its own lane
    const after = singleSubmitStats(t.db)
    expect(after.items - before.items).toBe(20)
    expect(after.calls - before.calls).toBeLessThan(19)

    const ids = ls.map((l) => l.leaseId).join(',')
    const [{ n, c }] = await rows<{ n: unknown; c: unknown }>(
      t.db,
      sql.raw(`select count(distinct g.id) as n, count(c.id) as c from groups g join completions c on c.group_id = g.id where g.lease_id in (${ids})`),
    )
    expect([Number(n), Number(c)]).toEqual([16, 64])
  })

  it('a revoked key gets 401 on every combined request, and nothing is stored', async () => {
    const k = await createKey(t.db, 'worker', { label: 'soon revoked' })
    const ls = (await Promise.all(Array.from({ length: 4 }, () => lease(k.key).then((r) => r.json())))) as any[]
    await rows(t.db, sql`update api_keys set revoked_at = now() where id = ${k.id}`)
    const res = await Promise.all(ls.map((l) => submit(l.leaseId, groupFor(l.prompt.text, 1), k.key)))
    expect(res.map((r) => r.status)).toEqual([401, 401, 401, 401])
    const ids = ls.map((l) => l.leaseId).join(',')
    expect(await rows(t.db, sql.raw(`select id from groups where lease_id in (${ids})`))).toEqual([])
  })
})
