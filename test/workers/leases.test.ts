/**
 * The edge inside workerd (the Workers runtime), end to end through the worker's fetch handler: bootstrap admin
 * key from the binding, a per-request Postgres client, and the lease → group flow with idempotent resubmission
 * (token ids / log-probs as JSON arrays or as base64 of their little-endian bytes: the same submission).
 */
import { exports } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { call } from './edge-call.js'

const admin = inject('adminKey')

/** base64 of little-endian 4-byte values, written with DataView here (not the codec under test) */
const packed = (xs: number[], kind: 'int32' | 'float32') => {
  const v = new DataView(new ArrayBuffer(xs.length * 4))
  xs.forEach((x, i) => (kind === 'int32' ? v.setInt32(i * 4, x, true) : v.setFloat32(i * 4, x, true)))
  return btoa(String.fromCharCode(...new Uint8Array(v.buffer)))
}

describe(`edge in workerd (database: ${inject('databaseKind')})`, () => {
  it('healthz reaches the database', async () => {
    expect(await call('GET', '/healthz', null)).toMatchObject({ status: 200, json: { ok: true } })
  })

  it('lease → group → idempotent replay → conflict, over many per-request clients', async () => {
    const worker = (await call('POST', '/v1/keys', admin, { role: 'worker' })).json.key as string
    expect(worker).toMatch(/^ck_worker_/)
    expect((await call('POST', '/v1/tasks', admin, { name: 'wk', verifier: { type: 'exact' }, groupSize: 4 })).status).toBe(201)
    const prompts = Array.from({ length: 5 }, (_, i) => ({ prompt: `${i}*3=`, answer: String(i * 3) }))
    expect((await call('POST', '/v1/tasks/wk/prompts', admin, { prompts })).json).toEqual({ inserted: 5 })

    for (let round = 0; round < 3; round++) {
      const lease = await call('POST', '/v1/leases', worker, { task: 'wk' })
      expect(lease.status).toBe(201)
      expect(JSON.stringify(lease.json)).not.toContain('answer')
      const i = Number(lease.json.prompt.text.split('*')[0])
      const body = {
        modelVersion: 0,
        completions: [String(i * 3), String(i * 3), 'wrong', String(i * 3)].map((text, k) => ({
          text,
          tokenIds: [k, k + 1],
          logprobs: [-0.25, -1.5],
        })),
      }
      const first = await call('POST', `/v1/leases/${lease.json.leaseId}/group`, worker, body)
      expect(first.status).toBe(201)
      expect(first.json.rewards).toEqual([1, 1, 0, 1])
      const a = 0.25 / (0.5 + 1e-4) // mean 0.75, Bessel std 0.5
      first.json.advantages.forEach((x: number, k: number) => expect(x).toBeCloseTo(k === 2 ? -3 * a : a, 10))
      // the same values in the compact encoding: the same submission
      const compact = {
        ...body,
        completions: body.completions.map((c) => ({ ...c, tokenIds: packed(c.tokenIds, 'int32'), logprobs: packed(c.logprobs, 'float32') })),
      }
      const again = await call('POST', `/v1/leases/${lease.json.leaseId}/group`, worker, round === 1 ? compact : body)
      expect(again).toMatchObject({ status: 200, json: first.json })
      const bad = { ...compact, completions: compact.completions.map((c) => ({ ...c, logprobs: packed([0.5, -1], 'float32') })) }
      expect((await call('POST', `/v1/leases/${lease.json.leaseId}/group`, worker, bad)).status).toBe(400)
      const other = await call('POST', `/v1/leases/${lease.json.leaseId}/group`, worker, { ...body, modelVersion: 1 })
      expect(other.status).toBe(409)
      expect(other.type).toContain('application/problem+json')
    }
    const stats = await call('GET', '/v1/stats?task=wk', worker)
    expect(stats.json.groups.ready).toBe(3)
    expect(stats.json.leases).toMatchObject({ total: 3, submitted: 3 })
  })

  it('errors are problem+json in workerd too', async () => {
    expect(await call('GET', '/v1/tasks', 'ck_nope')).toMatchObject({ status: 401, type: 'application/problem+json' })
    const big = await exports.default.fetch('http://edge.test/v1/tasks', {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'content-length': '99999999' },
      body: '{}',
    })
    expect(big.status).toBe(413)
  })
})
