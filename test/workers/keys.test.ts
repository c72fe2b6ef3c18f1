/**
 * Keys inside workerd: an invitation joins a worker, DELETE /v1/keys/{id} refuses the key on its very next
 * request (each request opens its own client, nothing is cached), a flooded limited key gets 429 + Retry-After
 * from the Postgres windows while an unlimited key goes on, and an unknown route is 404 whatever the method.
 */
import { exports } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { call } from './edge-call.js'

const admin = inject('adminKey')

describe('keys in workerd', () => {
  it('invite → join → revoke: the key is refused on its next request', async () => {
    expect((await call('POST', '/v1/tasks', admin, { name: 'wk-keys', verifier: { type: 'exact' }, groupSize: 2 })).status).toBe(201)
    const prompts = Array.from({ length: 40 }, (_, i) => ({ prompt: `k${i}`, answer: 'x' }))
    expect((await call('POST', '/v1/tasks/wk-keys/prompts', admin, { prompts })).status).toBe(201)
    const inv = await call('POST', '/v1/invites', admin, { role: 'worker', limits: { leasesPerMinute: 3 } })
    expect(inv.status).toBe(201)
    const joined = await call('POST', '/v1/join', null, { code: inv.json.code })
    expect(joined).toMatchObject({ status: 201, json: { role: 'worker', limits: { leasesPerMinute: 3 } } })
    const key = joined.json.key as string

    // the Workers limiter counts in fixed minutes: keep the five leases inside one
    const second = new Date().getUTCSeconds()
    if (second > 50) await new Promise((r) => setTimeout(r, (61 - second) * 1000))
    const leases = []
    for (let i = 0; i < 5; i++) leases.push(await call('POST', '/v1/leases', key, { task: 'wk-keys' }))
    expect(leases.map((l) => l.status)).toEqual([201, 201, 201, 429, 429])
    expect(leases[3].type).toBe('application/problem+json')
    expect(Number(leases[3].retryAfter)).toBeGreaterThanOrEqual(1)
    expect(Number(leases[3].retryAfter)).toBeLessThanOrEqual(60)
    const fleet = (await call('POST', '/v1/keys', admin, { role: 'worker' })).json.key as string
    for (let i = 0; i < 6; i++) expect((await call('POST', '/v1/leases', fleet, { task: 'wk-keys' })).status).toBe(201)

    expect((await call('DELETE', `/v1/keys/${joined.json.id}`, admin)).status).toBe(204)
    const after = await call('GET', '/v1/tasks', key)
    expect(after).toMatchObject({ status: 401, type: 'application/problem+json' })
    const listed = (await call('GET', '/v1/keys', admin)).json.keys.find((k: any) => k.id === joined.json.id)
    expect(listed).toMatchObject({ role: 'worker', usage: { leases: 3 } })
    expect(listed.revokedAt).not.toBeNull()
  })

  it('serves the rating page and the browser worker page (cross-origin isolated)', async () => {
    const res = await exports.default.fetch('http://edge.test/rate')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(await res.text()).toContain('id="score" name="score" type="range"')
    const contribute = await exports.default.fetch('http://edge.test/contribute')
    expect(contribute.status).toBe(200)
    expect(contribute.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
    expect(await contribute.text()).toContain('src="/contribute/app.js"')
  })

  it('unknown routes are 404 whatever the method', async () => {
    for (const method of ['DELETE', 'PUT', 'PATCH', 'GET']) {
      const res = await call(method, '/v1/keys/x/y', admin)
      expect(res).toMatchObject({ status: 404, type: 'application/problem+json' })
    }
  })
})
