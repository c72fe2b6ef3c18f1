/** Model-version discovery, stats, health and the generated OpenAPI document. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../edge/app.js'
import { DEFAULT_BODY_LIMIT } from '../../edge/config.js'
import { openDatabase } from '../../schema/db.js'
import { insertModelVersion } from '../../schema/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
})
afterAll(() => t?.close())

describe('models', () => {
  it('404 problem before any version is published', async () => {
    const res = await t.call('GET', '/v1/models/latest', { key: t.keys.worker })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
  })

  it('latest and by number; leases report the newest version', async () => {
    for (const v of [1, 2])
      await insertModelVersion(t.db, {
        version: v,
        step: v * 10,
        artifactUri: `file:///tmp/m/${v}`,
        sha256: 'ab'.repeat(32),
        files: { 'model.onnx': { sha256: 'cd'.repeat(32), bytes: 123 } },
        metrics: { reward: v / 10 },
      })
    const latest = (await (await t.call('GET', '/v1/models/latest', { key: t.keys.worker })).json()) as any
    expect(latest).toMatchObject({ version: 2, step: 20, artifactUri: 'file:///tmp/m/2', metrics: { reward: 0.2 } })
    expect(Date.parse(latest.publishedAt)).not.toBeNaN()
    const one = (await (await t.call('GET', '/v1/models/1', { key: t.keys.rater })).json()) as any
    expect(one.version).toBe(1)
    expect((await t.call('GET', '/v1/models/7', { key: t.keys.rater })).status).toBe(404)
    expect((await t.call('GET', '/v1/models/-1', { key: t.keys.rater })).status).toBe(400)
    await seedTask(t.db, 'm', { prompts: 1 })
    const l = (await (await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task: 'm' } })).json()) as any
    expect(l.modelVersion).toBe(2)
  })
})

describe('stats', () => {
  it('counts prompts, leases and groups by status; reward mean per policy version', async () => {
    await seedTask(t.db, 's', { groupSize: 2, prompts: 5 })
    const submitOne = async (version: number, right: number) => {
      const l = (await (await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task: 's' } })).json()) as any
      const ans = 'a' + l.prompt.text.slice(1)
      const completions = [0, 1].map((k) => ({ text: k < right ? ans : 'x' }))
      const res = await t.call('POST', `/v1/leases/${l.leaseId}/group`, {
        key: t.keys.worker,
        body: { modelVersion: version, completions },
      })
      expect(res.status).toBe(201)
    }
    await submitOne(1, 2) // mean 1
    await submitOne(1, 1) // mean 0.5
    await submitOne(2, 0) // mean 0
    await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task: 's' } }) // one open lease
    const res = await t.call('GET', '/v1/stats?task=s', { key: t.keys.learner })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      prompts: 5,
      leases: { total: 4, active: 1, submitted: 3, expired: 0 },
      groups: { pending: 0, verify_failed: 0, ready: 3, claimed: 0, trained: 0, stale: 0, discarded: 0 },
      rewardByPolicyVersion: [
        { policyVersion: 1, groups: 2, rewardMean: 0.75 },
        { policyVersion: 2, groups: 1, rewardMean: 0 },
      ],
      modelVersions: 2,
      trainSteps: 0,
      ingest: {
        queueDepth: 3,
        inFlight: 1,
        drainPerS: 0,
        capacity: null,
        heldBack: false,
        reason: expect.stringMatching(/no learner has trained/),
        staleFraction: null,
      },
      workers: [{ keyId: expect.any(Number), label: expect.anything(), prefix: expect.any(String), groups: 3, accepted: 3, logprobMismatch: 0, tokensPerSecond: expect.any(Number) }],
    })
    const all = (await (await t.call('GET', '/v1/stats', { key: t.keys.learner })).json()) as any
    expect(all.prompts).toBe(6)
    expect((await t.call('GET', '/v1/stats?task=zzz', { key: t.keys.learner })).status).toBe(404)
    expect((await t.call('GET', '/v1/stats?bogus=1', { key: t.keys.learner })).status).toBe(400)
  })
})

describe('health', () => {
  it('200 { ok: true } with a live database, no key needed', async () => {
    const res = await t.call('GET', '/healthz', { key: null })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
  })

  it('503 problem when the database is unreachable', async () => {
    const dead = await openDatabase({ dataDir: 'memory://' })
    await dead.close()
    const app = createApp({ getDb: () => dead.db, config: { bodyLimitBytes: DEFAULT_BODY_LIMIT } })
    const res = await app.request('/healthz')
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
  })
})

describe('openapi', () => {
  it('/openapi.json is generated from the route schemas', async () => {
    const doc = (await (await t.call('GET', '/openapi.json', { key: null })).json()) as any
    expect(doc.openapi).toBe('3.0.3')
    // the foundation's routes (other route folders add theirs)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/healthz',
      '/v1/keys',
      '/v1/leases',
      '/v1/leases/{leaseId}/group',
      '/v1/models/latest',
      '/v1/models/{version}',
      '/v1/stats',
      '/v1/tasks',
      '/v1/tasks/{name}/prompts',
      '/v1/keys/{id}',
      '/v1/invites',
      '/v1/join',
      '/v1/groups',
    ]))
    const submit = doc.paths['/v1/leases/{leaseId}/group'].post
    expect(Object.keys(submit.responses).sort()).toEqual(['200', '201', '400', '401', '403', '404', '409', '410', '413', '415', '429'])
    const body = doc.components.schemas.SubmitGroup
    expect(body.additionalProperties).toBe(false)
    expect(body.required).toEqual(['modelVersion', 'completions'])
    expect(doc.components.schemas.CreateLease.properties.count).toMatchObject({ minimum: 1, maximum: 64 })
    expect(doc.components.schemas.SubmitGroups.properties.groups).toMatchObject({ minItems: 1, maxItems: 64 })
    expect(doc.components.schemas).toHaveProperty('SubmitGroupsResult')
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' })
  })
})
