/** GET /v1/dashboard: roles, limits, and the figures it reports for a seeded run (real database). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testEdge, type TestEdge } from '../helpers/edge.js'
import { SEED, seedRun } from './seed.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
  await seedRun(t)
})
afterAll(() => t?.close())

describe('GET /v1/dashboard', () => {
  it('needs an admin or learner key', async () => {
    expect((await t.call('GET', '/v1/dashboard', { key: null })).status).toBe(401)
    expect((await t.call('GET', '/v1/dashboard', { key: t.keys.worker })).status).toBe(403)
    expect((await t.call('GET', '/v1/dashboard', { key: t.keys.rater })).status).toBe(403)
    expect((await t.call('GET', '/v1/dashboard', { key: t.keys.learner })).status).toBe(200)
  })

  it('rejects out-of-range and unknown query parameters with a problem', async () => {
    for (const q of ['steps=100000', 'recent=-1', 'versions=x', 'bogus=1']) {
      const res = await t.call('GET', `/v1/dashboard?${q}`)
      expect(res.status, q).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
  })

  it('reports steps, per-version accuracy and reward, queue depth and recent completions', async () => {
    const res = await t.call('GET', '/v1/dashboard?recent=5')
    expect(res.status).toBe(200)
    const d = (await res.json()) as any
    expect(d.steps).toHaveLength(SEED.steps)
    expect(d.steps.map((s: any) => s.step)).toEqual(Array.from({ length: SEED.steps }, (_, i) => i + 1))
    expect(d.steps[3].metrics.reward).toBeCloseTo(0.4)
    expect(d.versions.map((v: any) => v.version)).toEqual([0, 1, 2])
    // version v answered v+1 of 4 right in every group
    for (const v of d.versions) {
      expect(v.groups).toBe(SEED.groupsPerVersion)
      expect(v.accuracy).toBeCloseTo((v.version + 1) / SEED.groupSize)
      expect(v.rewardMean).toBeCloseTo((v.version + 1) / SEED.groupSize)
    }
    expect(d.versions[0]).toMatchObject({ step: null, publishedAt: null })
    expect(d.versions[2]).toMatchObject({ step: 8, metrics: { 'eval/accuracy': 0.4 } })
    expect(d.queue.groups.ready).toBe(SEED.versions * SEED.groupsPerVersion)
    expect(d.totals).toEqual({ prompts: 20, trainSteps: SEED.steps, modelVersions: SEED.versions - 1 })
    // one worker key submitted every group, none flagged for a log-prob mismatch
    expect(d.workers).toEqual([{ keyId: expect.any(Number), label: expect.anything(), prefix: expect.any(String), groups: SEED.versions * SEED.groupsPerVersion, accepted: SEED.versions * SEED.groupsPerVersion, logprobMismatch: 0, tokensPerSecond: expect.any(Number) }])
    expect(d.recent).toHaveLength(5)
    expect(d.recent[0].policyVersion).toBe(SEED.versions - 1)
    // reference answers never leave the edge: prompts "q<i>" have answers "a<i>"; only completions may echo one
    expect(Object.keys(d.recent[0]).sort()).toEqual(
      ['createdAt', 'groupId', 'index', 'policyVersion', 'prompt', 'reward', 'status', 'text'].sort(),
    )
  })

  it('serves the page at / without a key, self-contained', async () => {
    const res = await t.call('GET', '/', { key: null })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    expect(html).toContain('<div class="chart" id="chart-reward">')
    expect(html).toContain('uPlot') // the charting library, inlined
    // nothing fetched from elsewhere (uPlot keeps its home page in its licence comment)
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org|github\.com\/leeoniya\/uPlot)/)
  })
})
