/** Tasks and prompts: create with defaults, list without answers, bulk insert of 10,000 prompts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { rows } from '../../schema/index.js'
import { testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
})
afterAll(() => t?.close())

describe('tasks', () => {
  it('POST /v1/tasks stores the parsed verifier spec and generation defaults', async () => {
    const res = await t.call('POST', '/v1/tasks', {
      body: { name: 'arith', verifier: { type: 'exact' }, groupSize: 8 },
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({
      name: 'arith',
      verifier: { type: 'exact', caseSensitive: false },
      groupSize: 8,
      maxNewTokens: 256,
      temperature: 1,
      topP: 1,
      topK: 0,
      scaleRewards: 'group',
      leaseSeconds: 600,
      chat: null,
    })
  })

  it('POST /v1/tasks/{name}/prompts inserts 10,000 prompts in one request', async () => {
    const prompts = Array.from({ length: 10_000 }, (_, i) => ({
      prompt: `${i}+${i}=`,
      answer: String(2 * i),
      metadata: { i },
    }))
    const res = await t.call('POST', '/v1/tasks/arith/prompts', { body: { prompts } })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ inserted: 10_000 })
    const [r] = await rows<any>(
      t.db,
      sql`select count(*) as n, count(distinct text) as d, sum((metadata->>'i')::int) as s,
                 bool_and(answer = (2 * (metadata->>'i')::int)::text) as ok from prompts`,
    )
    expect([Number(r.n), Number(r.d), Number(r.s), r.ok]).toEqual([10_000, 10_000, (9999 * 10_000) / 2, true])
  })

  it('prompts for an unknown task → 404; empty list → 400', async () => {
    expect((await t.call('POST', '/v1/tasks/none/prompts', { body: { prompts: [{ prompt: 'p' }] } })).status).toBe(404)
    expect((await t.call('POST', '/v1/tasks/arith/prompts', { body: { prompts: [] } })).status).toBe(400)
  })

  it('GET /v1/tasks lists tasks for any role, never a reference answer', async () => {
    for (const key of [t.keys.worker, t.keys.rater]) {
      const res = await t.call('GET', '/v1/tasks', { key })
      expect(res.status).toBe(200)
      const text = await res.text()
      const body = JSON.parse(text)
      expect(body.tasks.map((x: any) => x.name)).toEqual(['arith'])
      expect(text).not.toMatch(/answer|"19998"/)
    }
  })
})

describe('chat tasks', () => {
  it('a chat task: its system prompt reaches the lease; a bad chat option is a 400 that stores nothing', async () => {
    const body = { name: 'chat', verifier: { type: 'exact' }, groupSize: 2, chat: { system: 'Answer with a number.' } }
    expect(await (await t.call('POST', '/v1/tasks', { body })).json()).toMatchObject({ chat: { system: 'Answer with a number.' } })
    expect((await t.call('POST', '/v1/tasks/chat/prompts', { body: { prompts: [{ prompt: '1+1=', answer: '2' }] } })).status).toBe(201)
    const lease = await (await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task: 'chat' } })).json()
    expect(lease.chat).toEqual({ system: 'Answer with a number.' })
    for (const chat of [{ system: 3 }, { role: 'x' }, 'yes']) {
      const res = await t.call('POST', '/v1/tasks', { body: { ...body, name: 'chat2', chat } })
      expect(res.status).toBe(400)
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/)
    }
    const listed = (await (await t.call('GET', '/v1/tasks')).json()).tasks.map((x: any) => x.name)
    expect(listed).not.toContain('chat2')
  })
})
