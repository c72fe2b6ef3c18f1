/** Bad input → clear 4xx problem+json that changes nothing: malformed JSON, unknown fields, size, media type. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { rows } from '../../schema/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

const LIMIT = 64 * 1024
let t: TestEdge
beforeAll(async () => {
  t = await testEdge({ bodyLimitBytes: LIMIT })
  await seedTask(t.db, 'arith', { groupSize: 2, prompts: 10 })
})
afterAll(() => t?.close())

const problem = async (res: Response, status: number) => {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  const p = (await res.json()) as any
  expect(p).toMatchObject({ status, type: 'about:blank', title: expect.any(String), detail: expect.any(String) })
  return p
}
const groupCount = async () => Number((await rows<{ n: unknown }>(t.db, sql`select count(*) as n from groups`))[0].n)

describe('request validation', () => {
  it('malformed JSON → 400', async () => {
    const p = await problem(await t.call('POST', '/v1/tasks', { raw: '{"name": "x", ' }), 400)
    expect(p.detail).toMatch(/Malformed JSON/i)
  })

  it('unknown fields → 400 naming the field', async () => {
    const p = await problem(
      await t.call('POST', '/v1/tasks', {
        body: { name: 'x', verifier: { type: 'exact' }, groupSize: 2, sneaky: 1 },
      }),
      400,
    )
    expect(p.detail).toContain('sneaky')
    await problem(await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task: 'arith', extra: true } }), 400)
  })

  it('unknown fields inside a completion → 400, nothing stored', async () => {
    const l = (await (await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task: 'arith' } })).json()) as any
    const before = await groupCount()
    await problem(
      await t.call('POST', `/v1/leases/${l.leaseId}/group`, {
        key: t.keys.worker,
        body: { modelVersion: 0, completions: [{ text: 'a', reward: 1 }, { text: 'b' }] },
      }),
      400,
    )
    expect(await groupCount()).toBe(before)
  })

  it('a verifier spec the library does not know → 400', async () => {
    const p = await problem(
      await t.call('POST', '/v1/tasks', { body: { name: 'y', verifier: { type: 'oracle' }, groupSize: 2 } }),
      400,
    )
    expect(p.errors.some((e: any) => e.path.startsWith('verifier'))).toBe(true)
  })

  it('wrong types and ranges → 400 with every issue listed', async () => {
    const p = await problem(
      await t.call('POST', '/v1/tasks', { body: { name: '../etc', verifier: { type: 'exact' }, groupSize: 1 } }),
      400,
    )
    expect(p.errors.map((e: any) => e.path).sort()).toEqual(['groupSize', 'name'])
  })

  it('duplicate task name → 409', async () => {
    await problem(await t.call('POST', '/v1/tasks', { body: { name: 'arith', verifier: { type: 'exact' }, groupSize: 2 } }), 409)
  })

  it('a body that is not JSON → 415', async () => {
    await problem(
      await t.call('POST', '/v1/keys', { raw: 'role=worker', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
    )
  })

  it(`body over the limit (${LIMIT} bytes) → 413, with or without Content-Length`, async () => {
    const big = { prompts: [{ prompt: 'x'.repeat(LIMIT), answer: '1' }] }
    const raw = JSON.stringify(big)
    const p = await problem(
      await t.call('POST', '/v1/tasks/arith/prompts', { raw, headers: { 'content-length': String(raw.length) } }),
      413,
    )
    expect(p.detail).toContain(String(LIMIT))
    // streamed without Content-Length
    const stream = new Blob([raw]).stream()
    const res = await t.app.request('/v1/tasks/arith/prompts', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    await problem(res, 413)
    const n = await rows<{ n: unknown }>(t.db, sql`select count(*) as n from prompts where length(text) >= ${LIMIT}`)
    expect(Number(n[0].n)).toBe(0)
  })

  it('unknown routes → 404 problem', async () => {
    await problem(await t.call('GET', '/v1/nothing'), 404)
  })
})
