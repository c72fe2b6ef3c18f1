/**
 * workerAuth: the ingest routes (POST /v1/leases, /v1/leases/{id}/group, /v1/groups) cache live worker keys, and
 * a revocation or expiry still holds at once — through the API, behind the edge's back in SQL (another process:
 * `cohort keys revoke`), on the 503 path and on batches — with nothing leased or stored for the dead key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { createKey, revokeKey, rows } from '../../schema/queries/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
  await seedTask(t.db, 'many', { groupSize: 2, prompts: 50 })
  await seedTask(t.db, 'one', { groupSize: 2, prompts: 1 })
})
afterAll(() => t?.close())

const body = { modelVersion: 0, completions: [{ text: 'x' }, { text: 'y' }] }
const lease = (key: string, task = 'many') => t.call('POST', '/v1/leases', { key, body: { task } })
const submit = (key: string, leaseId: number) => t.call('POST', `/v1/leases/${leaseId}/group`, { key, body })
const submitMany = (key: string, leaseIds: number[]) =>
  t.call('POST', '/v1/groups', { key, body: { groups: leaseIds.map((leaseId) => ({ leaseId, ...body })) } })
const stored = async (keyId: number) =>
  Number((await rows<{ n: unknown }>(t.db, sql`select count(*) as n from groups g join leases l on l.id = g.lease_id where l.worker_key_id = ${keyId}`))[0].n)
const leased = async (keyId: number) => Number((await rows<{ n: unknown }>(t.db, sql`select count(*) as n from leases where worker_key_id = ${keyId}`))[0].n)

/** A worker key that has leased and submitted once (so the edge holds it cached) and holds two more open leases. */
async function warmKey() {
  const k = await createKey(t.db, 'worker')
  const first = (await (await lease(k.key)).json()) as any
  expect((await submit(k.key, first.leaseId)).status).toBe(201)
  const open = [(await (await lease(k.key)).json()) as any, (await (await lease(k.key)).json()) as any].map((l) => l.leaseId as number)
  return { ...k, open }
}

const expect401 = async (res: Response | Promise<Response>) => {
  const r = await res
  expect(r.status).toBe(401)
  expect(((await r.json()) as any).detail).toMatch(/revoked or expired/)
}

describe('cached worker keys', () => {
  const kill = async (how: string, id: number) => {
    if (how === 'DELETE /v1/keys/{id}') expect((await t.call('DELETE', `/v1/keys/${id}`)).status).toBe(204)
    else if (how === 'expiry set in SQL') await t.db.execute(sql`update api_keys set expires_at = now() - interval '1 second' where id = ${id}`)
    else expect(await revokeKey(t.db, id)).toBe('revoked')
  }
  // each route is the first the dead key calls (a 401 evicts it from the cache: later calls would look it up)
  const first = {
    lease: (k: Awaited<ReturnType<typeof warmKey>>) => lease(k.key),
    submit: (k: Awaited<ReturnType<typeof warmKey>>) => submit(k.key, k.open[0]),
    // a lease this edge handed out is not read before verifying (leases/issued.ts): the 401 still comes before the 400
    'submit of a bad body': (k: Awaited<ReturnType<typeof warmKey>>) =>
      t.call('POST', `/v1/leases/${k.open[0]}/group`, { key: k.key, body: { modelVersion: 0, completions: [{ text: 'x', tokenIds: '***' }, { text: 'y' }] } }),
    batch: (k: Awaited<ReturnType<typeof warmKey>>) => submitMany(k.key, k.open),
    'batch of unknown leases': (k: Awaited<ReturnType<typeof warmKey>>) => submitMany(k.key, [999_999]),
  }
  for (const how of ['DELETE /v1/keys/{id}', 'revokeKey in SQL (another process)', 'expiry set in SQL'] as const) {
    for (const [route, call] of Object.entries(first)) {
      it(`${how}: ${route} answers 401 at once; nothing more leased or stored`, async () => {
        const k = await warmKey()
        await kill(how, k.id)
        const [leases, groups] = [await leased(k.id), await stored(k.id)]
        await expect401(call(k))
        await expect401(lease(k.key)) // evicted: a fresh lookup refuses it too
        expect([await leased(k.id), await stored(k.id)]).toEqual([leases, groups])
      })
    }
  }

  it('a revoked key on the 503 path (no prompt free) gets 401, not 503', async () => {
    const holder = await createKey(t.db, 'worker')
    expect((await lease(holder.key, 'one')).status).toBe(201)
    const k = await warmKey()
    expect((await lease(k.key, 'one')).status).toBe(503)
    await revokeKey(t.db, k.id)
    await expect401(lease(k.key, 'one'))
  })

  it('other keys are unaffected and a live key keeps working from the cache', async () => {
    const a = await warmKey()
    const b = await warmKey()
    await revokeKey(t.db, a.id)
    await expect401(lease(a.key))
    expect((await submit(b.key, b.open[0])).status).toBe(201)
    expect((await submitMany(b.key, [b.open[1]])).status).toBe(200)
    expect((await lease(b.key)).status).toBe(201)
  })
})
