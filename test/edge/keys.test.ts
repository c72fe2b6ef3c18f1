/**
 * Keys over the API: invitations (single use, expiry, roles, limits carried to the keys they make), listing
 * (usage counts, never a key), revocation (401 at once, open leases released, groups kept), expiry, per-key
 * limits (429 + Retry-After for a flooded key while other keys go on; quota), 404 for unknown routes whatever the
 * method or content type, the in-process GCRA limiter on a fake clock and the Workers' Postgres windows.
 */
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryLimiter } from '../../edge/middleware/index.js'
import { hitRateWindow, rows, sha256Hex } from '../../schema/index.js'
import { main } from '../../cli/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge({ inviteLimits: { leasesPerMinute: 7, submissionsPerMinute: 9 } })
  await seedTask(t.db, 'solo', { prompts: 1, groupSize: 2 })
  await seedTask(t.db, 'many', { prompts: 200, groupSize: 2 })
})
afterAll(() => t?.close())

const json = async (res: Response) => (await res.json()) as any
const newKey = async (body: object) => json(await t.call('POST', '/v1/keys', { body }))
const group = (n = 2) => ({ modelVersion: 0, completions: Array.from({ length: n }, () => ({ text: 'a0' })) })

describe('invitations', () => {
  it('an invite code makes one key of its role with the invitation limits; the code is single use', async () => {
    const res = await t.call('POST', '/v1/invites', { body: { role: 'rater', label: 'crowd' } })
    expect(res.status).toBe(201)
    const inv = await json(res)
    expect(inv).toMatchObject({ role: 'rater', uses: 1, limits: { leasesPerMinute: 7, submissionsPerMinute: 9 } })
    expect(inv.code).toMatch(/^ci_[A-Za-z0-9_-]{32}$/)
    expect(inv.link).toBe(`/rate#invite=${inv.code}`)
    const stored = await rows<any>(t.db, sql`select * from invites where id = ${inv.id}`)
    expect(stored[0].code_hash).toBe(await sha256Hex(inv.code))
    expect(JSON.stringify(stored)).not.toContain(inv.code)

    const joined = await t.call('POST', '/v1/join', { key: null, body: { code: inv.code } })
    expect(joined.status).toBe(201)
    const k = await json(joined)
    expect(k).toMatchObject({ role: 'rater', limits: { leasesPerMinute: 7, submissionsPerMinute: 9 } })
    expect(k.key).toMatch(/^ck_rater_/)
    expect((await t.call('GET', '/v1/tasks', { key: k.key })).status).toBe(200)
    expect((await t.call('POST', '/v1/leases', { key: k.key, body: { task: 'many' } })).status).toBe(403) // role

    const again = await t.call('POST', '/v1/join', { key: null, body: { code: inv.code } })
    expect(again.status).toBe(403)
    expect(again.headers.get('content-type')).toBe('application/problem+json')
    const listed = (await json(await t.call('GET', '/v1/invites'))).invites.find((i: any) => i.id === inv.id)
    expect(listed).toMatchObject({ uses: 1, used: 1, label: 'crowd' })
    expect(JSON.stringify(listed)).not.toContain(inv.code)
  })

  it('`uses` codes make exactly that many keys, also when joins race', async () => {
    const inv = await json(await t.call('POST', '/v1/invites', { body: { role: 'worker', uses: 3, limits: { leasesPerMinute: 50 } } }))
    expect(inv.limits).toEqual({ leasesPerMinute: 50, submissionsPerMinute: 9 }) // the other field: the default
    const tries = await Promise.all(Array.from({ length: 6 }, () => t.call('POST', '/v1/join', { key: null, body: { code: inv.code } })))
    expect(tries.map((r) => r.status).sort()).toEqual([201, 201, 201, 403, 403, 403])
  })

  it('refuses expired and unknown codes, admin/learner invitations, and non-admin callers', async () => {
    const inv = await json(await t.call('POST', '/v1/invites', { body: { role: 'worker', expiresAt: new Date(Date.now() + 60_000).toISOString() } }))
    await t.db.execute(sql`update invites set expires_at = now() - interval '1 second' where id = ${inv.id}`)
    expect((await t.call('POST', '/v1/join', { key: null, body: { code: inv.code } })).status).toBe(403)
    expect((await t.call('POST', '/v1/join', { key: null, body: { code: 'ci_nope' } })).status).toBe(403)
    expect((await t.call('POST', '/v1/invites', { body: { role: 'admin' } })).status).toBe(400)
    expect((await t.call('POST', '/v1/invites', { body: { role: 'learner' } })).status).toBe(400)
    expect((await t.call('POST', '/v1/invites', { body: { role: 'worker', expiresAt: '2001-01-01T00:00:00Z' } })).status).toBe(400)
    expect((await t.call('POST', '/v1/invites', { key: t.keys.worker, body: { role: 'worker' } })).status).toBe(403)
    expect((await t.call('POST', '/v1/join', { key: null, body: {} })).status).toBe(400)
  })
})

describe('listing and revocation', () => {
  it('GET /v1/keys lists usage and last use, never a key or its hash', async () => {
    const w = await newKey({ role: 'worker', label: 'listed' })
    const lease = await json(await t.call('POST', '/v1/leases', { key: w.key, body: { task: 'many' } }))
    expect((await t.call('POST', `/v1/leases/${lease.leaseId}/group`, { key: w.key, body: group() })).status).toBe(201)
    await t.call('POST', '/v1/leases', { key: w.key, body: { task: 'many' } })
    const res = await t.call('GET', '/v1/keys')
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain(w.key)
    const [hash] = await rows<{ key_hash: string }>(t.db, sql`select key_hash from api_keys where id = ${w.id}`)
    expect(text).not.toContain(hash.key_hash)
    const row = JSON.parse(text).keys.find((k: any) => k.id === w.id)
    expect(row).toMatchObject({
      prefix: w.prefix,
      role: 'worker',
      label: 'listed',
      revokedAt: null,
      limits: { leasesPerMinute: null, submissionsPerMinute: null },
      usage: { leases: 2, groups: 1, ratings: 0 },
    })
    expect(Date.now() - Date.parse(row.lastUsedAt)).toBeLessThan(60_000)
    expect((await t.call('GET', '/v1/keys', { key: t.keys.rater })).status).toBe(403)
  })

  it('DELETE /v1/keys/{id}: 204, the key is refused at once, its open lease freed, its groups kept', async () => {
    const a = await newKey({ role: 'worker' })
    const b = await newKey({ role: 'worker' })
    // task "solo" has one prompt: while a holds it, b gets 503
    const held = await json(await t.call('POST', '/v1/leases', { key: a.key, body: { task: 'solo' } }))
    expect(held.leaseId).toBeGreaterThan(0)
    expect((await t.call('POST', '/v1/leases', { key: b.key, body: { task: 'solo' } })).status).toBe(503)
    const done = await json(await t.call('POST', '/v1/leases', { key: a.key, body: { task: 'many' } }))
    expect((await t.call('POST', `/v1/leases/${done.leaseId}/group`, { key: a.key, body: group() })).status).toBe(201)

    const del = await t.call('DELETE', `/v1/keys/${a.id}`, { headers: {} })
    expect(del.status).toBe(204)
    const refused = await t.call('POST', `/v1/leases/${held.leaseId}/group`, { key: a.key, body: group() })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    expect((await json(refused)).detail).toMatch(/revoked/)
    expect((await t.call('POST', '/v1/leases', { key: b.key, body: { task: 'solo' } })).status).toBe(201)
    const listed = (await json(await t.call('GET', '/v1/keys'))).keys.find((k: any) => k.id === a.id)
    expect(listed.revokedAt).not.toBeNull()
    expect(listed.usage.groups).toBe(1)
    const [g] = await rows<{ n: string }>(t.db, sql`select count(*) as n from groups g join leases l on l.id = g.lease_id where l.worker_key_id = ${a.id}`)
    expect(Number(g.n)).toBe(1)

    expect((await t.call('DELETE', `/v1/keys/${a.id}`)).status).toBe(204) // again: nothing changes
    expect((await t.call('DELETE', '/v1/keys/999999')).status).toBe(404)
    expect((await t.call('DELETE', '/v1/keys/abc')).status).toBe(400)
    expect((await t.call('DELETE', `/v1/keys/${b.id}`, { key: t.keys.worker })).status).toBe(403)
  })

  it('an expired key answers 401; expiresAt must be in the future', async () => {
    const k = await newKey({ role: 'rater', expiresAt: new Date(Date.now() + 60_000).toISOString() })
    expect((await t.call('GET', '/v1/tasks', { key: k.key })).status).toBe(200)
    await t.db.execute(sql`update api_keys set expires_at = now() - interval '1 second' where id = ${k.id}`)
    expect((await t.call('GET', '/v1/tasks', { key: k.key })).status).toBe(401)
    expect((await t.call('POST', '/v1/keys', { body: { role: 'rater', expiresAt: 'yesterday' } })).status).toBe(400)
  })

  it('cohort keys list|revoke on the database', async (ctx) => {
    if (!t.database.url) ctx.skip('in-memory PGlite: the CLI opens its own database, so it needs a server')
    const k = await newKey({ role: 'worker', label: 'cli-listed' })
    const logs: string[] = []
    const log = console.log
    console.log = (s: string) => logs.push(s)
    const env = process.env.DATABASE_URL
    process.env.DATABASE_URL = t.database.url
    try {
      expect(await main(['keys', 'list'])).toBe(0)
      expect(await main(['keys', 'revoke', String(k.id)])).toBe(0)
    } finally {
      console.log = log
      if (env === undefined) delete process.env.DATABASE_URL
      else process.env.DATABASE_URL = env
    }
    expect(logs[0]).toMatch(new RegExp(`${k.id}\\s+${k.prefix}\\s+worker\\s+cli-listed`))
    expect(logs[1]).toBe(`revoked key ${k.id}`)
    expect((await t.call('GET', '/v1/tasks', { key: k.key })).status).toBe(401)
  })
})

describe('per-key limits', () => {
  it('a flooded key gets 429 + Retry-After; another limited key and an unlimited one go on', async () => {
    const limited = await newKey({ role: 'worker', limits: { leasesPerMinute: 5 } })
    const other = await newKey({ role: 'worker', limits: { leasesPerMinute: 5 } })
    const fleet = await newKey({ role: 'worker' })
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) statuses.push((await t.call('POST', '/v1/leases', { key: limited.key, body: { task: 'many' } })).status)
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(7).fill(429)])
    const res = await t.call('POST', '/v1/leases', { key: limited.key, body: { task: 'many' } })
    expect(res.status).toBe(429)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const wait = Number(res.headers.get('retry-after'))
    expect(wait).toBeGreaterThanOrEqual(1)
    expect(wait).toBeLessThanOrEqual(12) // one lease every 12 s at 5 a minute
    expect((await json(res)).detail).toMatch(/5 leases a minute/)
    for (let i = 0; i < 5; i++) expect((await t.call('POST', '/v1/leases', { key: other.key, body: { task: 'many' } })).status).toBe(201)
    for (let i = 0; i < 30; i++) expect((await t.call('POST', '/v1/leases', { key: fleet.key, body: { task: 'many' } })).status).toBe(201)
  })

  it('submissions are limited per minute, and a quota ends a key’s submissions', async () => {
    const k = await newKey({ role: 'worker', limits: { submissionsPerMinute: 1 }, quota: 2 })
    const l1 = await json(await t.call('POST', '/v1/leases', { key: k.key, body: { task: 'many' } }))
    const l2 = await json(await t.call('POST', '/v1/leases', { key: k.key, body: { task: 'many' } }))
    expect((await t.call('POST', `/v1/leases/${l1.leaseId}/group`, { key: k.key, body: group() })).status).toBe(201)
    const second = await t.call('POST', `/v1/leases/${l2.leaseId}/group`, { key: k.key, body: group() })
    expect(second.status).toBe(429)
    const q = await newKey({ role: 'worker', quota: 1 })
    const q1 = await json(await t.call('POST', '/v1/leases', { key: q.key, body: { task: 'many' } }))
    const q2 = await json(await t.call('POST', '/v1/leases', { key: q.key, body: { task: 'many' } }))
    expect((await t.call('POST', `/v1/leases/${q1.leaseId}/group`, { key: q.key, body: group() })).status).toBe(201)
    const over = await t.call('POST', `/v1/leases/${q2.leaseId}/group`, { key: q.key, body: group() })
    expect(over.status).toBe(403)
    expect((await json(over)).detail).toMatch(/quota of 1/)
  })

  it('the in-process limiter (GCRA): a burst of the limit, then one per interval', async () => {
    let now = 1_000_000
    const lim = memoryLimiter(() => now)
    const c = {} as never
    for (let i = 0; i < 6; i++) expect(await lim.hit(c, 'k', 6)).toBeNull()
    expect(await lim.hit(c, 'k', 6)).toBe(10) // 6 a minute: the next slot is 10 s away
    now += 9_000
    expect(await lim.hit(c, 'k', 6)).toBe(1)
    now += 1_000
    expect(await lim.hit(c, 'k', 6)).toBeNull()
    expect(await lim.hit(c, 'k', 6)).toBe(10)
    expect(await lim.hit(c, 'other', 6)).toBeNull() // buckets are independent
  })

  it('the Workers limiter counts in one-minute windows in Postgres', async () => {
    const bucket = `test:${Math.random()}`
    const a = await hitRateWindow(t.db, bucket)
    const b = await hitRateWindow(t.db, bucket)
    expect(b.count - a.count).toBe(1) // (a is 1 unless the minute turned between the two)
    expect(b.secondsLeft).toBeGreaterThan(0)
    expect(b.secondsLeft).toBeLessThanOrEqual(60)
  })
})

describe('unknown routes', () => {
  it('are 404 problem+json whatever the method, body or content type', async () => {
    const cases: [string, string, Record<string, string>, string | undefined][] = [
      ['DELETE', '/v1/nothing', {}, undefined],
      ['POST', '/v1/nothing', { 'content-type': 'text/plain' }, 'hi'],
      ['PUT', '/v1/keys', { 'content-type': 'application/xml' }, '<a/>'],
      ['PATCH', '/v1/keys/3', {}, undefined],
      ['GET', '/nowhere', {}, undefined],
    ]
    for (const [method, path, headers, body] of cases) {
      const res = await t.app.request(path, { method, headers, body })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
    // a known route still checks the content type
    const res = await t.app.request('/v1/keys', { method: 'POST', headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'text/plain' }, body: 'x' })
    expect(res.status).toBe(415)
  })
})
