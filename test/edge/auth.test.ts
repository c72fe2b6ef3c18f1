/** Keys and the role matrix: 401 without/with a wrong key, 403 for a wrong role, keys stored hashed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { createApp } from '../../edge/app.js'
import { DEFAULT_BODY_LIMIT } from '../../edge/config.js'
import { revokeKey, rows, sha256Hex, type Role } from '../../schema/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
  await seedTask(t.db, 'arith', { prompts: 50 })
})
afterAll(() => t?.close())

/** Each route with a valid body, and the roles allowed on it. */
const ROUTES: { method: string; path: string; body?: unknown; allowed: Role[] }[] = [
  { method: 'POST', path: '/v1/keys', body: { role: 'rater' }, allowed: ['admin'] },
  { method: 'POST', path: '/v1/tasks', body: { name: 'x', verifier: { type: 'exact' }, groupSize: 2 }, allowed: ['admin'] },
  { method: 'GET', path: '/v1/tasks', allowed: ['admin', 'worker', 'rater', 'learner'] },
  { method: 'POST', path: '/v1/tasks/arith/prompts', body: { prompts: [{ prompt: 'p', answer: 'a' }] }, allowed: ['admin'] },
  { method: 'POST', path: '/v1/leases', body: { task: 'arith' }, allowed: ['worker'] },
  { method: 'GET', path: '/v1/stats', allowed: ['admin', 'worker', 'rater', 'learner'] },
  { method: 'GET', path: '/v1/models/latest', allowed: ['admin', 'worker', 'rater', 'learner'] },
]
const ROLES: Role[] = ['admin', 'worker', 'rater', 'learner']

describe('role matrix', () => {
  for (const r of ROUTES) {
    it(`${r.method} ${r.path}: 401 without a key or with a wrong one`, async () => {
      for (const key of [null, 'ck_admin_not-a-real-key']) {
        const res = await t.call(r.method, r.path, { key, body: r.body })
        expect(res.status).toBe(401)
        expect(res.headers.get('content-type')).toContain('application/problem+json')
        expect(res.headers.get('www-authenticate')).toBe('Bearer')
      }
    })
    for (const role of ROLES) {
      const ok = r.allowed.includes(role)
      it(`${r.method} ${r.path} as ${role} → ${ok ? 'allowed' : '403'}`, async () => {
        const body =
          r.path === '/v1/tasks' && r.method === 'POST' ? { ...(r.body as object), name: `x-${role}` } : r.body
        const res = await t.call(r.method, r.path, { key: t.keys[role], body })
        if (ok) expect([200, 201, 404]).toContain(res.status) // models/latest: 404 before any publish
        else {
          expect(res.status).toBe(403)
          expect(((await res.json()) as any).detail).toContain(`yours is ${role}`)
        }
      })
    }
  }
})

describe('keys', () => {
  it('POST /v1/keys returns the key once and stores only its sha256', async () => {
    const res = await t.call('POST', '/v1/keys', { body: { role: 'worker', label: 'gpu-1' } })
    expect(res.status).toBe(201)
    const k = (await res.json()) as any
    expect(k.key).toMatch(/^ck_worker_[A-Za-z0-9_-]{43}$/)
    expect(k.key.startsWith(k.prefix)).toBe(true)
    const stored = await rows<any>(t.db, sql`select * from api_keys where id = ${k.id}`)
    expect(stored[0].key_hash).toBe(await sha256Hex(k.key))
    expect(JSON.stringify(stored)).not.toContain(k.key)
    expect((await t.call('GET', '/v1/tasks', { key: k.key })).status).toBe(200)
  })

  it('a revoked key is refused', async () => {
    const k = (await (await t.call('POST', '/v1/keys', { body: { role: 'rater' } })).json()) as any
    expect((await t.call('GET', '/v1/tasks', { key: k.key })).status).toBe(200)
    expect(await revokeKey(t.db, k.id)).toBe('revoked')
    expect((await t.call('GET', '/v1/tasks', { key: k.key })).status).toBe(401)
  })

  it('rejects an unknown role and unknown fields', async () => {
    expect((await t.call('POST', '/v1/keys', { body: { role: 'root' } })).status).toBe(400)
    expect((await t.call('POST', '/v1/keys', { body: { role: 'worker', admin: true } })).status).toBe(400)
  })

  it('the bootstrap admin key from the config works without a stored row', async () => {
    const app = createApp({
      getDb: () => t.db,
      config: { bodyLimitBytes: DEFAULT_BODY_LIMIT, adminKey: 'bootstrap-secret' },
    })
    const res = await app.request('/v1/keys', {
      method: 'POST',
      headers: { authorization: 'Bearer bootstrap-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'learner' }),
    })
    expect(res.status).toBe(201)
    const other = await app.request('/v1/tasks', { headers: { authorization: 'Bearer bootstrap-secreT' } })
    expect(other.status).toBe(401)
  })
})
