/** Query functions on a real database: lease picking, concurrent leasing, bulk prompts, key lookup. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import {
  createKey,
  createTask,
  ensureKey,
  findKeyByHash,
  hashKey,
  insertPrompts,
  leasePrompt,
  leasePrompts,
  MAX_LEASES,
  rows,
  storeGroups,
} from '../../schema/queries/index.js'
import { freshDatabase, type TestDatabase } from '../helpers/db.js'

let d: TestDatabase
let worker: number
beforeAll(async () => {
  d = await freshDatabase()
  worker = (await createKey(d.db, 'worker')).id
})
afterAll(() => d?.drop())

const newTask = async (name: string, prompts: number) => {
  const t = (await createTask(d.db, {
    name,
    verifier: { type: 'exact' },
    groupSize: 2,
    maxNewTokens: 8,
    temperature: 1,
    topP: 1,
    topK: 0,
    leaseSeconds: 60,
  }))!
  await insertPrompts(d.db, t.id, Array.from({ length: prompts }, (_, i) => ({ text: `p${i}`, answer: `${i}` })))
  return t
}

describe('leasePrompt', () => {
  it('serves every prompt once per pass, in a different order each pass', async () => {
    const t = await newTask('passes', 30)
    const pass = async () => {
      const order: string[] = []
      for (let i = 0; i < 30; i++) {
        const l = (await leasePrompt(d.db, { taskId: t.id, workerKeyId: worker, leaseSeconds: 60 }))!
        order.push(l.text)
      }
      // free them again (as a submission would)
      await d.db.execute(sql`update prompts set leased_until = null where task_id = ${t.id}`)
      return order
    }
    const a = await pass()
    const b = await pass()
    expect(new Set(a).size).toBe(30)
    expect(new Set(b).size).toBe(30)
    expect(b).not.toEqual(a) // 1/30! chance of a false failure
    const counts = await rows<{ times_leased: number }>(d.db, sql`select times_leased from prompts where task_id = ${t.id}`)
    expect(counts.every((c) => c.times_leased === 2)).toBe(true)
  })

  it('concurrent leases get distinct prompts; the one over the supply gets null', async () => {
    const t = await newTask('race', 12)
    const got = await Promise.all(
      Array.from({ length: 13 }, () => leasePrompt(d.db, { taskId: t.id, workerKeyId: worker, leaseSeconds: 60 })),
    )
    const texts = got.filter((g) => g !== null).map((g) => g!.text)
    expect(texts.length).toBe(12)
    expect(new Set(texts).size).toBe(12)
    expect(got.filter((g) => g === null).length).toBe(1)
  })

  it('leasePrompts locks only the prompts it leases (3 of a LIMIT 4 statement), and refuses counts over MAX_LEASES', async () => {
    const t = await newTask('locks', 7)
    await expect(leasePrompts(d.db, { taskId: t.id, workerKeyId: worker, leaseSeconds: 60, count: MAX_LEASES + 1 })).rejects.toThrow(RangeError)
    if (d.kind !== 'postgres') return // PGlite: one connection, nothing to see the locks from
    let free = -1
    await d.db.transaction(async (tx) => {
      const got = await leasePrompts(tx as unknown as typeof d.db, { taskId: t.id, workerKeyId: worker, leaseSeconds: 60, count: 3 })
      expect(got).toHaveLength(3)
      // another connection, while the leasing transaction is open: the rows it did not lease are not locked
      const [{ n }] = await rows<{ n: unknown }>(
        d.db,
        sql`select count(*) as n from (select id from prompts where task_id = ${t.id} for update skip locked) x`,
      )
      free = Number(n)
    })
    expect(free).toBe(4)
  })

  it('the lease expiry is the database clock + leaseSeconds', async () => {
    const t = await newTask('expiry', 1)
    const l = (await leasePrompt(d.db, { taskId: t.id, workerKeyId: worker, leaseSeconds: 90 }))!
    const [{ now }] = await rows<{ now: Date | string }>(d.db, sql`select now() as now`)
    const dt = (l.expiresAt.getTime() - new Date(now).getTime()) / 1000
    expect(dt).toBeGreaterThan(85)
    expect(dt).toBeLessThanOrEqual(90)
  })
})

describe('keys', () => {
  it('ensureKey registers a given key once; findKeyByHash finds it', async () => {
    const a = await ensureKey(d.db, 'my-admin-key', 'admin')
    const b = await ensureKey(d.db, 'my-admin-key', 'admin')
    expect(b.id).toBe(a.id)
    expect((await findKeyByHash(d.db, await hashKey('my-admin-key')))?.role).toBe('admin')
    expect(await findKeyByHash(d.db, await hashKey('other'))).toBeNull()
  })
})

describe('storeGroups', () => {
  it("stores every completion's text, token ids and log-probs at its own offsets (multi-byte, astral, lone surrogates)", async () => {
    const t = await newTask('store-offsets', 4)
    const leases = await leasePrompts(d.db, { taskId: t.id, workerKeyId: worker, leaseSeconds: 60, count: 2 })
    const texts = [['é😀ü', ''], ['a\ud800b\udc00c', '€ \u{10ffff} z']]
    const out = await storeGroups(
      d.db,
      worker,
      leases.map((l, g) => ({
        leaseId: l.leaseId,
        bodyHash: `h${l.leaseId}`,
        policyVersion: 0,
        status: 'ready' as const,
        rewardMean: 0,
        rewardStd: 0,
        completions: texts[g].map((text, i) => ({
          text,
          tokenIds: i ? null : [g, 7, 2 ** 31 - 1],
          logprobs: i ? null : [-0.5, -g, -1e-7],
          reward: 0,
          details: {},
        })),
      })),
    )
    expect(out.map((o) => o.kind)).toEqual(['created', 'created'])
    const got = await rows<{ text: string; t: string | null; l: string | null }>(
      d.db,
      sql`select c.text, encode(c.token_ids, 'hex') as t, encode(c.logprobs, 'hex') as l
          from completions c join groups g on g.id = c.group_id
          where g.task_id = ${t.id} order by g.lease_id, c.index`,
    )
    const hex = (xs: ArrayLike<number>, T: Int32ArrayConstructor | Float32ArrayConstructor) => Buffer.from(T.from(xs).buffer).toString('hex')
    expect(got).toEqual([
      { text: 'é😀ü', t: hex([0, 7, 2 ** 31 - 1], Int32Array), l: hex([-0.5, -0, -1e-7], Float32Array) },
      { text: '', t: null, l: null },
      // a lone surrogate is stored as U+FFFD, as the driver encodes it
      { text: 'a\ufffdb\ufffdc', t: hex([1, 7, 2 ** 31 - 1], Int32Array), l: hex([-0.5, -1, -1e-7], Float32Array) },
      { text: '€ \u{10ffff} z', t: null, l: null },
    ])
  })
})
