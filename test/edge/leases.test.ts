/** Lease → group flow through app.request() on a real database: semantics of the contract. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { groupAdvantages } from '../../common/advantages.js'
import { createKey, loadGroups, rows } from '../../schema/queries/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
  await seedTask(t.db, 'arith', { groupSize: 4, prompts: 20 })
})
afterAll(() => t?.close())

const lease = async (task = 'arith', key = t.keys.worker) => {
  const res = await t.call('POST', '/v1/leases', { key, body: { task } })
  return { res, body: (await res.json()) as any }
}
/** A group for prompt "q<i>": `right` of them answer "a<i>". */
const groupFor = (promptText: string, right: number, g = 4) => {
  const answer = 'a' + promptText.slice(1)
  return {
    modelVersion: 0,
    completions: Array.from({ length: g }, (_, k) => ({ text: k < right ? ` ${answer.toUpperCase()} ` : 'nope' })),
  }
}
const submit = (leaseId: number, body: unknown, key = t.keys.worker) =>
  t.call('POST', `/v1/leases/${leaseId}/group`, { key, body })
const count = async (table: string) =>
  Number((await rows<{ n: unknown }>(t.db, sql.raw(`select count(*) as n from ${table}`)))[0].n)

describe('POST /v1/leases', () => {
  it('leases a prompt without its reference answer', async () => {
    const { res, body } = await lease()
    expect(res.status).toBe(201)
    expect(body).toMatchObject({ groupSize: 4, modelVersion: 0, prompt: { text: expect.stringMatching(/^q\d+$/) } })
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now())
    expect(JSON.stringify(body)).not.toMatch(/"a\d+"|answer/)
  })

  it('hands out distinct prompts until all are leased, then 503 with Retry-After', async () => {
    await seedTask(t.db, 'small', { prompts: 3 })
    const texts = new Set<string>()
    for (let i = 0; i < 3; i++) texts.add((await lease('small')).body.prompt.text)
    expect(texts.size).toBe(3)
    const { res, body } = await lease('small')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(body.detail).toMatch(/no prompt free/)
  })

  it('404 for an unknown task', async () => {
    const { res, body } = await lease('nope')
    expect(res.status).toBe(404)
    expect(body.detail).toContain('nope')
  })
})

describe('POST /v1/leases/{id}/group', () => {
  it('verifies, stores and answers rewards with group-normalised advantages', async () => {
    const { body: l } = await lease()
    const res = await submit(l.leaseId, groupFor(l.prompt.text, 2))
    expect(res.status).toBe(201)
    const out = (await res.json()) as any
    expect(out.status).toBe('ready')
    expect(out.rewards).toEqual([1, 1, 0, 0])
    expect(Object.keys(out).sort()).toEqual(['advantages', 'groupId', 'rewards', 'status']) // no details, no reference
    // independent check: mean 0.5, Bessel std = sqrt(1/3) → ±0.5/(0.57735+1e-4)
    const a = 0.5 / (Math.sqrt(1 / 3) + 1e-4)
    out.advantages.forEach((x: number, i: number) => expect(x).toBeCloseTo(i < 2 ? a : -a, 10))
    expect(out.advantages).toEqual(groupAdvantages([1, 1, 0, 0]))
    const [g] = await rows<any>(t.db, sql`select * from groups where id = ${out.groupId}`)
    expect(g.status).toBe('ready')
    expect(g.reward_mean).toBeCloseTo(0.5, 12)
    expect(g.reward_std).toBeCloseTo(Math.sqrt(1 / 3), 12)
    const cs = await rows<any>(t.db, sql`select * from completions where group_id = ${out.groupId} order by index`)
    expect(cs.map((c) => c.reward)).toEqual([1, 1, 0, 0])
  })

  it('all-equal rewards give all-zero advantages', async () => {
    const { body: l } = await lease()
    const out = (await (await submit(l.leaseId, groupFor(l.prompt.text, 0))).json()) as any
    expect(out.rewards).toEqual([0, 0, 0, 0])
    expect(out.advantages).toEqual([0, 0, 0, 0])
  })

  it('stores token ids and log-probs', async () => {
    const { body: l } = await lease()
    const body = groupFor(l.prompt.text, 1)
    body.completions[0] = { ...body.completions[0], tokenIds: [5, 6, 7], logprobs: [-0.5, -1.25, -3], finishReason: 'stop' } as any
    const out = (await (await submit(l.leaseId, body)).json()) as any
    const [c] = await rows<any>(
      t.db,
      sql`select encode(token_ids, 'hex') as t, encode(logprobs, 'hex') as l, finish_reason
          from completions where group_id = ${out.groupId} and index = 0`,
    )
    // packed little-endian int32 / float32: 5, 6, 7 and -0.5 (bf000000), -1.25 (bfa00000), -3 (c0400000)
    expect(c.t).toBe('050000000600000007000000')
    expect(c.l).toBe('000000bf0000a0bf000040c0')
    expect(c.finish_reason).toBe('stop')
    const [again] = await loadGroups(t.db, [out.groupId])
    expect(again.completions[0]).toMatchObject({ tokenIds: [5, 6, 7], logprobs: [-0.5, -1.25, -3], finishReason: 'stop' })
  })

  it('stores each completion as sent (multi-byte text, tokens on some), the extracted answer only up to 200 characters', async () => {
    const { body: l } = await lease()
    const long = 'é'.repeat(150) + '😀'.repeat(100) // 350 UTF-16 units, 700 UTF-8 bytes
    const body = {
      modelVersion: 0,
      completions: [
        { text: 'ünïcödé 😀 ' + 'a' + l.prompt.text.slice(1), tokenIds: [1, 2], logprobs: [-1, -2] },
        { text: long },
        { text: '', tokenIds: [], logprobs: [] },
        { text: 'x', tokenIds: [151643], finishReason: 'length' as const },
      ],
    }
    const out = (await (await submit(l.leaseId, body)).json()) as any
    expect(out.rewards).toEqual([0, 0, 0, 0])
    const [g] = await loadGroups(t.db, [out.groupId])
    expect(g.completions.map((c) => [c.tokenIds, c.logprobs, c.finishReason])).toEqual([
      [[1, 2], [-1, -2], null],
      [null, null, null],
      [[], [], null],
      [[151643], null, 'length'],
    ])
    const ds = await rows<{ text: string; x: string }>(
      t.db,
      sql`select text, details->>'extracted' as x from completions where group_id = ${out.groupId} order by index`,
    )
    expect(ds.map((d) => d.text)).toEqual(body.completions.map((c) => c.text))
    expect(ds[0].x).toBe(body.completions[0].text.toLowerCase())
    // 'é' × 150 then 😀 × 24 (48 units) = 198 units: the 25th 😀 would split at 199, so it is cut before it
    expect(ds[1].x).toBe('é'.repeat(150) + '😀'.repeat(24) + '…')
  })

  it('is idempotent: the same body again returns the same group and stores nothing', async () => {
    const { body: l } = await lease()
    const body = groupFor(l.prompt.text, 3)
    const first = await submit(l.leaseId, body)
    const before = [await count('groups'), await count('completions')]
    // same content, keys in another order: same canonical body
    const again = await submit(l.leaseId, { completions: body.completions, modelVersion: 0 })
    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual(await first.json())
    expect([await count('groups'), await count('completions')]).toEqual(before)
  })

  it('409 for a different body on a used lease; nothing changes', async () => {
    const { body: l } = await lease()
    const first = (await (await submit(l.leaseId, groupFor(l.prompt.text, 1))).json()) as any
    const before = [await count('groups'), await count('completions')]
    const res = await submit(l.leaseId, groupFor(l.prompt.text, 2))
    expect(res.status).toBe(409)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect([await count('groups'), await count('completions')]).toEqual(before)
    const [c] = await rows<any>(t.db, sql`select count(*) as n from completions where group_id = ${first.groupId} and reward = 1`)
    expect(Number(c.n)).toBe(1)
  })

  it('410 for an expired lease', async () => {
    const { body: l } = await lease()
    await t.db.execute(sql`update leases set expires_at = now() - interval '1 second' where id = ${l.leaseId}`)
    const res = await submit(l.leaseId, groupFor(l.prompt.text, 1))
    expect(res.status).toBe(410)
    expect(((await res.json()) as any).detail).toMatch(/expired/)
  })

  it('an expired lease frees its prompt for the next worker', async () => {
    await seedTask(t.db, 'one', { prompts: 1 })
    const first = (await lease('one')).body
    expect((await lease('one')).res.status).toBe(503)
    await t.db.execute(sql`update prompts set leased_until = now() - interval '1 second' where id = ${first.prompt.id}`)
    const second = await lease('one')
    expect(second.res.status).toBe(201)
    expect(second.body.prompt.id).toBe(first.prompt.id)
    expect(second.body.leaseId).not.toBe(first.leaseId)
  })

  it('404 for an unknown lease, 400 for a non-numeric id', async () => {
    expect((await submit(999999, groupFor('q0', 1))).status).toBe(404)
    expect((await t.call('POST', '/v1/leases/abc/group', { key: t.keys.worker, body: groupFor('q0', 1) })).status).toBe(400)
  })

  it('400 for the wrong number of completions', async () => {
    const { body: l } = await lease()
    const res = await submit(l.leaseId, groupFor(l.prompt.text, 1, 3))
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).detail).toMatch(/groups of 4 completions; got 3/)
    // the lease is still usable
    expect((await submit(l.leaseId, groupFor(l.prompt.text, 1))).status).toBe(201)
  })

  it('400 when log-probs and token ids disagree, or exceed the task limit', async () => {
    const { body: l } = await lease()
    const bad = (c0: object) => {
      const b = groupFor(l.prompt.text, 1)
      b.completions[0] = { ...b.completions[0], ...c0 } as any
      return submit(l.leaseId, b)
    }
    expect((await bad({ tokenIds: [1, 2], logprobs: [-1] })).status).toBe(400)
    expect((await bad({ logprobs: [-1] })).status).toBe(400)
    expect((await bad({ tokenIds: [1], logprobs: [0.5] })).status).toBe(400)
    expect((await bad({ tokenIds: [-1] })).status).toBe(400)
    const tooLong = await bad({ tokenIds: Array.from({ length: 65 }, () => 1) })
    expect(tooLong.status).toBe(400)
    expect(((await tooLong.json()) as any).detail).toMatch(/allows 64/)
    expect(await count(`groups where lease_id = ${l.leaseId}`)).toBe(0)
  })

  it('400 (not a database 500) for completion text with NUL characters; nothing stored', async () => {
    const { body: l } = await lease()
    const b = groupFor(l.prompt.text, 1)
    b.completions[0] = { ...b.completions[0], text: 'a\u0000b' } as any
    const res = await submit(l.leaseId, b)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toMatch(/problem\+json/)
    expect(((await res.json()) as any).detail).toMatch(/NUL/)
    expect(await count(`groups where lease_id = ${l.leaseId}`)).toBe(0)
  })

  it("403 for another worker's lease", async () => {
    const { body: l } = await lease()
    const other = (await (await t.call('POST', '/v1/keys', { body: { role: 'worker' } })).json()) as any
    const res = await submit(l.leaseId, groupFor(l.prompt.text, 1), other.key)
    expect(res.status).toBe(403)
  })

  it('two identical submissions racing for one lease store exactly one group, both answered with it', async () => {
    for (let round = 0; round < 5; round++) {
      const { body: l } = await lease()
      const body = groupFor(l.prompt.text, 2)
      const [a, b] = await Promise.all([submit(l.leaseId, body), submit(l.leaseId, body)])
      expect([a.status, b.status].sort()).toEqual([200, 201])
      const [ja, jb] = [(await a.json()) as any, (await b.json()) as any]
      expect(ja).toEqual(jb)
      expect(await count(`groups where lease_id = ${l.leaseId}`)).toBe(1)
      expect(await count(`completions where group_id = ${ja.groupId}`)).toBe(4)
    }
  })

  it('a submitted group frees its prompt for another pass', async () => {
    await seedTask(t.db, 'loop', { prompts: 1 })
    const l1 = (await lease('loop')).body
    expect((await submit(l1.leaseId, groupFor(l1.prompt.text, 1))).status).toBe(201)
    const l2 = await lease('loop')
    expect(l2.res.status).toBe(201)
    expect(l2.body.prompt.id).toBe(l1.prompt.id)
  })
})

describe('batch endpoints: POST /v1/leases with count, POST /v1/groups', () => {
  const leaseMany = async (task: string, count: number, key = t.keys.worker) => {
    const res = await t.call('POST', '/v1/leases', { key, body: { task, count } })
    return { res, body: (await res.json()) as any }
  }
  const submitMany = (groups: unknown[], key = t.keys.worker) => t.call('POST', '/v1/groups', { key, body: { groups } })

  it('leases up to count distinct prompts in one request, fewer when fewer are free, then 503', async () => {
    await seedTask(t.db, 'batch5', { prompts: 5 })
    const a = await leaseMany('batch5', 3)
    expect(a.res.status).toBe(201)
    expect(a.body.leases).toHaveLength(3)
    const b = await leaseMany('batch5', 3)
    expect(b.body.leases).toHaveLength(2)
    const ids = [...a.body.leases, ...b.body.leases].map((l: any) => l.prompt.id)
    expect(new Set(ids).size).toBe(5)
    for (const l of [...a.body.leases, ...b.body.leases]) {
      expect(Object.keys(l).sort()).toEqual(['chat', 'expiresAt', 'generation', 'groupSize', 'leaseId', 'modelVersion', 'prompt'])
      expect(JSON.stringify(l)).not.toMatch(/"a\d+"/) // no reference answers
    }
    const c = await leaseMany('batch5', 2)
    expect(c.res.status).toBe(503)
    expect(c.res.headers.get('retry-after')).toBeTruthy()
  })

  it('400 for count outside 1..64', async () => {
    for (const count of [0, 65, 1.5]) expect((await leaseMany('arith', count)).res.status).toBe(400)
  })

  it('decides each group on its own: stored, replayed, conflict, unknown, foreign, wrong shape', async () => {
    await seedTask(t.db, 'mixed-batch', { prompts: 10 })
    const ls = (await leaseMany('mixed-batch', 6)).body.leases as any[]
    const other = (await (await t.call('POST', '/v1/keys', { body: { role: 'worker' } })).json()) as any
    const foreign = (await leaseMany('mixed-batch', 1, other.key)).body.leases[0]
    // lease 0 already submitted with this body (replay), lease 1 with another body (conflict)
    const first0 = groupFor(ls[0].prompt.text, 1)
    expect((await submit(ls[0].leaseId, first0)).status).toBe(201)
    expect((await submit(ls[1].leaseId, groupFor(ls[1].prompt.text, 1))).status).toBe(201)
    const before = await count('groups')
    const res = await submitMany([
      { leaseId: ls[0].leaseId, ...first0 },
      { leaseId: ls[1].leaseId, ...groupFor(ls[1].prompt.text, 3) },
      { leaseId: ls[2].leaseId, ...groupFor(ls[2].prompt.text, 2) },
      { leaseId: 999_999, ...groupFor('q0', 1) },
      { leaseId: foreign.leaseId, ...groupFor(foreign.prompt.text, 1) },
      { leaseId: ls[3].leaseId, ...groupFor(ls[3].prompt.text, 1, 3) },
      { leaseId: ls[4].leaseId, ...groupFor(ls[4].prompt.text, 4) },
    ])
    expect(res.status).toBe(200)
    const { results } = (await res.json()) as any
    expect(results.map((r: any) => r.status)).toEqual([200, 409, 201, 404, 403, 400, 201])
    expect(results.map((r: any) => r.leaseId)).toEqual([ls[0].leaseId, ls[1].leaseId, ls[2].leaseId, 999_999, foreign.leaseId, ls[3].leaseId, ls[4].leaseId])
    expect(results[2].group).toMatchObject({ status: 'ready', rewards: [1, 1, 0, 0], advantages: groupAdvantages([1, 1, 0, 0], 'group') })
    expect(results[6].group.rewards).toEqual([1, 1, 1, 1])
    expect(results[1].problem).toMatchObject({ status: 409, detail: expect.stringMatching(/different group/) })
    expect(results[5].problem.detail).toMatch(/groups of 4/)
    expect(await count('groups')).toBe(before + 2)
    expect(await count(`completions where group_id = ${results[2].group.groupId}`)).toBe(4)
    // the whole batch again: the two stored groups replay (200), nothing new is stored
    const again = (await (await submitMany([
      { leaseId: ls[2].leaseId, ...groupFor(ls[2].prompt.text, 2) },
      { leaseId: ls[4].leaseId, ...groupFor(ls[4].prompt.text, 4) },
    ])).json()) as any
    expect(again.results.map((r: any) => [r.status, r.group.groupId])).toEqual([
      [200, results[2].group.groupId],
      [200, results[6].group.groupId],
    ])
    expect(await count('groups')).toBe(before + 2)
  })

  it('400 for a lease twice in one batch, or more than 64 groups; nothing stored', async () => {
    await seedTask(t.db, 'dup-batch', { prompts: 2 })
    const [l] = (await leaseMany('dup-batch', 1)).body.leases
    const g = { leaseId: l.leaseId, ...groupFor(l.prompt.text, 1) }
    const res = await submitMany([g, g])
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).detail).toMatch(/appears twice/)
    expect((await submitMany(Array.from({ length: 65 }, (_, i) => ({ ...g, leaseId: i + 1 })))).status).toBe(400)
    expect(await count(`groups where lease_id = ${l.leaseId}`)).toBe(0)
  })

  it('a key with a per-minute limit gets 403 for batches of more than one', async () => {
    const limited = await createKey(t.db, 'worker', { label: 'crowd', limits: { leasesPerMinute: 600, submissionsPerMinute: 600 } })
    expect((await leaseMany('arith', 2, limited.key)).res.status).toBe(403)
    const one = await leaseMany('arith', 1, limited.key)
    expect(one.res.status).toBe(201)
    const [l] = one.body.leases
    const res = await submitMany([{ leaseId: l.leaseId, ...groupFor(l.prompt.text, 1) }], limited.key)
    expect(((await res.json()) as any).results[0].status).toBe(201)
  })

  it('racing batches for the same leases store each group once', async () => {
    await seedTask(t.db, 'race-batch', { prompts: 8 })
    const ls = (await leaseMany('race-batch', 8)).body.leases as any[]
    const groups = ls.map((l) => ({ leaseId: l.leaseId, ...groupFor(l.prompt.text, 2) }))
    const [a, b] = await Promise.all([submitMany(groups), submitMany([...groups].reverse())])
    const ra = ((await a.json()) as any).results
    const rb = ((await b.json()) as any).results.reverse()
    for (let i = 0; i < 8; i++) {
      expect([ra[i].status, rb[i].status].sort()).toEqual([200, 201])
      expect(ra[i].group.groupId).toBe(rb[i].group.groupId)
    }
    expect(await count(`groups where lease_id in (${ls.map((l) => l.leaseId).join(',')})`)).toBe(8)
  })
})

describe('group status from the verifier verdict', () => {
  const submitAll = async (task: string) => {
    const { body: l } = await lease(task)
    const res = await submit(l.leaseId, groupFor(l.prompt.text, 1, 2))
    expect(res.status).toBe(201)
    const out = (await res.json()) as any
    const [g] = await rows<any>(t.db, sql`select status, reward_mean from groups where id = ${out.groupId}`)
    return { out, g }
  }

  it('pending (human ratings awaited): stored pending, rewards and advantages null', async () => {
    await seedTask(t.db, 'human', { groupSize: 2, verifier: { type: 'human', quorum: 2 } })
    const { out, g } = await submitAll('human')
    expect(out).toMatchObject({ status: 'pending', rewards: [null, null], advantages: null })
    expect(g).toEqual({ status: 'pending', reward_mean: null })
  })

  it('error (hosted verifier failed): stored verify_failed, never ready, no silent zeros', async () => {
    await seedTask(t.db, 'hosted', {
      groupSize: 2,
      verifier: { type: 'http', url: 'http://127.0.0.1:9/verify', secretRef: 'missing', retries: 0, timeoutMs: 200 },
    })
    const { out, g } = await submitAll('hosted')
    expect(out).toMatchObject({ status: 'verify_failed', rewards: [null, null], advantages: null })
    expect(g).toEqual({ status: 'verify_failed', reward_mean: null })
  })
})
