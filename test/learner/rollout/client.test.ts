/**
 * The worker's edge client and artifact download: backoff with jitter (bounds, Retry-After floor, abort,
 * deadline), retries on 503 / network errors against the real edge, final errors for other 4xx, and sha256
 * verification of model versions downloaded through the edge (a tampered file or table is refused and nothing is
 * cached).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNodeServer } from '../../../edge/node.js'
import { problemResponse } from '../../../edge/problem.js'
import { manifestOf } from '../../../learner/publish/index.js'
import {
  AbortedError,
  ArtifactError,
  backoffDelay,
  EdgeClient,
  EdgeError,
  fetchModelFiles,
  modelFileReader,
  pruneModelCache,
  RetryableError,
  submittableText,
  withRetry,
  type ModelInfo,
} from '../../../learner/rollout/index.js'
import { rolloutFixture, type RolloutFixture } from './fixture.js'

describe('backoff', () => {
  it('full jitter under a doubling, capped ceiling; Retry-After is a floor', () => {
    const o = { baseMs: 100, capMs: 1000 }
    expect(backoffDelay(0, { ...o, random: () => 0.5 })).toBe(50)
    expect(backoffDelay(3, { ...o, random: () => 0.5 })).toBe(400)
    expect(backoffDelay(20, { ...o, random: () => 0.999 })).toBeCloseTo(999)
    expect(backoffDelay(0, { ...o, random: () => 0 }, 700)).toBe(700)
    const seen = Array.from({ length: 200 }, () => backoffDelay(2, o))
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...seen)).toBeLessThanOrEqual(400)
    expect(new Set(seen).size).toBeGreaterThan(150) // jittered, not one fixed wait
  })

  it('retries only RetryableError, within attempts, deadline and abort', async () => {
    let n = 0
    const flaky = async () => {
      if (++n < 3) throw new RetryableError('busy')
      return 'ok'
    }
    expect(await withRetry(flaky, { baseMs: 1 })).toBe('ok')
    expect(n).toBe(3)
    n = 0
    await expect(withRetry(flaky, { baseMs: 1, maxAttempts: 2 })).rejects.toThrow('busy')
    let calls = 0
    await expect(withRetry(async () => { calls++; throw new Error('final') }, { baseMs: 1 })).rejects.toThrow('final')
    expect(calls).toBe(1)
    await expect(
      withRetry(async () => { throw new RetryableError('slow') }, { baseMs: 1000, random: () => 1, deadline: Date.now() + 100 }),
    ).rejects.toThrow('slow')
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    await expect(withRetry(async () => { throw new RetryableError('x') }, { baseMs: 10_000, signal: ac.signal })).rejects.toBeInstanceOf(AbortedError)
  })

  it('a wait the server names to the millisecond (backpressure) is kept, not backed off further', async () => {
    const waits: number[] = []
    let n = 0
    const held = async () => {
      if (++n <= 6) throw new RetryableError('held back', 40, { exact: true })
      return 'leased'
    }
    expect(await withRetry(held, { baseMs: 10_000, random: () => 0.5, onRetry: (_e, _k, ms) => waits.push(ms) })).toBe('leased')
    expect(waits).toEqual([44, 44, 44, 44, 44, 44]) // 40 ms + 10 % (half of the 20 % spread), every time
    // without `exact` the same errors back off: ceilings 10 s, 20 s, … (random 0.5 → 5 s, 10 s, …)
    expect(backoffDelay(5, { baseMs: 10_000, random: () => 0.5 }, 40)).toBe(5_000)
  })

  it('the edge client takes a 503 problem\'s retryAfterMs over its Retry-After (whole seconds)', async () => {
    let calls = 0
    const server = createHttpServer((_req, res) => {
      if (++calls <= 2) {
        const p = problemResponse(503, 'held back so rollouts do not go stale', { headers: { 'retry-after': '1' }, retryAfterMs: 30 })
        res.writeHead(503, Object.fromEntries(p.headers))
        void p.text().then((t) => res.end(t))
      } else {
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ leaseId: 7 }))
      }
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
      const waits: number[] = []
      const c = new EdgeClient({ baseUrl: url, key: 'ck_x', backoff: { baseMs: 5_000, onRetry: (_e, _k, ms) => waits.push(ms) } })
      const t0 = Date.now()
      expect(await c.lease('arith')).toMatchObject({ leaseId: 7 })
      expect(waits).toHaveLength(2)
      for (const w of waits) expect(w).toBeGreaterThanOrEqual(30)
      for (const w of waits) expect(w).toBeLessThanOrEqual(36)
      expect(Date.now() - t0).toBeLessThan(900) // not Retry-After's second, nor a backoff
    } finally {
      server.close()
    }
  })
})

describe('submitted text', () => {
  it('replaces NUL, which the edge refuses, and nothing else', () => {
    expect(submittableText('1\u00002\u0000')).toBe('1\uFFFD2\uFFFD')
    expect(submittableText('é 14 \n')).toBe('é 14 \n')
  })
})

describe('edge client against the real edge', () => {
  let f: RolloutFixture
  beforeAll(async () => {
    f = await rolloutFixture({ prompts: 1, leaseSeconds: 1 })
  })
  afterAll(() => f?.close())

  it('waits out 503 "no prompt free" (Retry-After) until a lease expires', async () => {
    const retries: string[] = []
    const c = new EdgeClient({ baseUrl: f.server.url, key: f.workerKey, backoff: { baseMs: 50, capMs: 200, onRetry: (e) => retries.push(String(e)) } })
    const first = await c.lease('arith')
    const t0 = Date.now()
    const second = await c.lease('arith')
    expect(second.prompt.id).toBe(first.prompt.id) // the only prompt, free again once the 1 s lease expired
    expect(second.leaseId).not.toBe(first.leaseId)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500)
    expect(retries.length).toBeGreaterThan(0)
    expect(retries[0]).toMatch(/503/)
  })

  it('final errors: unknown task 404, bad key 401, a 410 for an expired lease', async () => {
    const c = new EdgeClient({ baseUrl: f.server.url, key: f.workerKey, backoff: { baseMs: 1 } })
    await expect(c.lease('nope')).rejects.toMatchObject({ status: 404 })
    await expect(new EdgeClient({ baseUrl: f.server.url, key: 'bad' }).lease('arith')).rejects.toBeInstanceOf(EdgeError)
    const l = await c.lease('arith')
    await new Promise((r) => setTimeout(r, 1100))
    await expect(c.submit(l.leaseId, { modelVersion: 0, completions: [{ text: '1' }, { text: '2' }, { text: '3' }, { text: '4' }] }))
      .rejects.toMatchObject({ status: 410 })
    expect(await c.latestModel()).toBeNull() // 404 → none published
  })

  it('retries network errors until the edge comes up', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const c = new EdgeClient({ baseUrl: `http://127.0.0.1:${port}`, key: f.workerKey, backoff: { baseMs: 50, capMs: 100 } })
    let late: Awaited<ReturnType<typeof startNodeServer>> | undefined
    const up = setTimeout(async () => {
      late = await startNodeServer({ database: { ...f.database, url: f.database.url ?? undefined }, adminKey: 'late-admin', port })
    }, 400)
    try {
      expect(await c.latestModel()).toBeNull()
    } finally {
      clearTimeout(up)
      await late?.close()
    }
  })
})

describe('edge client batches', () => {
  let f: RolloutFixture
  beforeAll(async () => {
    f = await rolloutFixture({ prompts: 5, groupSize: 2 })
  })
  afterAll(() => f?.close())

  it('leaseMany takes several prompts at once; submitMany stores them and answers per group', async () => {
    const c = new EdgeClient({ baseUrl: f.server.url, key: f.workerKey, backoff: { baseMs: 1 } })
    const leases = await c.leaseMany('arith', 4)
    expect(leases).toHaveLength(4)
    expect(new Set(leases.map((l) => l.prompt.id)).size).toBe(4)
    const body = (l: (typeof leases)[number]) => ({ leaseId: l.leaseId, modelVersion: 0, completions: [{ text: 'x' }, { text: 'y' }] })
    const out = await c.submitMany([...leases.map(body), { ...body(leases[0]), leaseId: 999_999 }])
    expect(out.map((o) => o.status)).toEqual([201, 201, 201, 201, 404])
    expect(out[0].group).toMatchObject({ status: 'ready', rewards: [0, 0] })
    expect(out[4].problem?.detail).toMatch(/no lease/)
    // a retried batch (e.g. after a lost response) replays every stored group
    const again = await c.submitMany(leases.map(body))
    expect(again.map((o) => [o.status, o.group?.groupId])).toEqual(out.slice(0, 4).map((o) => [200, o.group?.groupId]))
    expect(await c.leaseMany('arith', 4)).toHaveLength(4) // the submitted prompts are free again
  })
})

describe('model download', () => {
  let f: RolloutFixture
  let read: ReturnType<typeof modelFileReader>
  beforeAll(async () => {
    f = await rolloutFixture()
    read = modelFileReader(new EdgeClient({ baseUrl: f.server.url, key: f.workerKey, backoff: { maxAttempts: 2, baseMs: 1 } }))
  })
  afterAll(() => f?.close())

  const info = (v: Awaited<ReturnType<RolloutFixture['publishTiny']>>): ModelInfo => ({
    ...v,
    files: v.files as ModelInfo['files'],
    metrics: v.metrics as Record<string, unknown>,
    publishedAt: v.publishedAt.toISOString(),
  })

  it('verifies every file, caches the folder whole, and reuses it', async () => {
    const v = info(await f.publishTiny(5, 0))
    const cache = join(f.dir, 'cache-ok')
    const dir = await fetchModelFiles(v, cache, read)
    for (const p of Object.keys(v.files)) expect(existsSync(join(dir, p))).toBe(true)
    expect(readdirSync(cache)).toEqual([dir.split('/').pop()])
    expect(await fetchModelFiles(v, cache, read)).toBe(dir)
  })

  it('refuses a tampered file, a forged file table and an escaping path; caches nothing', async () => {
    const v = info(await f.publishTiny(6, 1))
    const cache = join(f.dir, 'cache-bad')
    const forged = { ...v, files: { ...v.files, 'config.json': { ...v.files['config.json'], sha256: '0'.repeat(64) } } }
    await expect(fetchModelFiles(forged, cache, read)).rejects.toThrow(/file table hashes to/)
    const escaping = { ...v, files: { '../x': { sha256: '0'.repeat(64), bytes: 1 } } }
    await expect(fetchModelFiles({ ...escaping, sha256: manifestOf(escaping.files).sha256 }, cache, read))
      .rejects.toBeInstanceOf(ArtifactError)
    writeFileSync(join(fileURLToPath(v.artifactUri), 'config.json'), '{"tampered": true}')
    await expect(fetchModelFiles(v, cache, read)).rejects.toThrow(/config\.json/)
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([])
  })

  it('prunes cached versions older than a bound, nothing else', async () => {
    const cache = join(f.dir, 'cache-prune')
    for (const d of ['v1-ab12', 'v5-cd34', 'v6-ef56', 'v2-ab12.tmp-1234', 'notes']) mkdirSync(join(cache, d), { recursive: true })
    expect(await pruneModelCache(cache, 5)).toBe(1)
    expect(readdirSync(cache).sort()).toEqual(['notes', 'v2-ab12.tmp-1234', 'v5-cd34', 'v6-ef56'])
  })
})
