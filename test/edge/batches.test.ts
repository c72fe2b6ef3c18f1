/**
 * /v1/batches and POST /v1/models through app.request() on a real database: the claim protocol an outside
 * trainer uses (claim → renew → complete exactly once, release, a crashed trainer's claim returning to the queue)
 * and registering a version trained elsewhere.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { groupAdvantages } from '../../common/advantages.js'
import { fetchModelFiles, modelFileReader } from '../../learner/rollout/artifacts.js'
import { EdgeClient } from '../../learner/rollout/client.js'
import { createKey, publishVersion, rows } from '../../schema/queries/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'
import { freePort } from '../helpers/net.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
  await seedTask(t.db, 'arith', { groupSize: 4, prompts: 200 })
  await seedTask(t.db, 'other', { groupSize: 2, prompts: 20 })
})
afterAll(() => t?.close())

/** Store `n` ready groups of `task` through the worker API; `right` completions of each are correct. */
async function produce(n: number, task = 'arith', g = 4, right = 1, modelVersion = 0): Promise<number[]> {
  const ids: number[] = []
  for (let k = 0; k < n; k++) {
    const lease = (await (await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task } })).json()) as any
    const answer = 'a' + lease.prompt.text.slice(1)
    const res = await t.call('POST', `/v1/leases/${lease.leaseId}/group`, {
      key: t.keys.worker,
      body: {
        modelVersion,
        completions: Array.from({ length: g }, (_, i) => ({
          text: i < right ? answer : `wrong ${i}`,
          tokenIds: [10 + i, 20 + i, 2],
          logprobs: [-0.5, -0.25 * (i + 1), -0.125],
          finishReason: 'stop',
        })),
      },
    })
    expect(res.status).toBe(201)
    ids.push(((await res.json()) as any).groupId)
  }
  return ids
}

const claim = (body: unknown, key = t.keys.learner) => t.call('POST', '/v1/batches', { key, body })
const act = (id: number, what: string, body?: unknown, key = t.keys.learner) =>
  t.call('POST', `/v1/batches/${id}/${what}`, { key, body })
const statusOf = async (ids: number[]) =>
  (await rows<{ id: number; status: string; trained_step: number | null }>(t.db, sql`select id, status, trained_step from groups where id in ${ids} order by id`))
const drain = async () => {
  for (;;) {
    const res = await claim({ groups: 1000 })
    if (res.status === 204) return
    const b = (await res.json()) as any
    expect((await act(b.id, 'release')).status).toBe(200)
    await t.db.execute(sql`update groups set status = 'discarded' where id in ${b.groupIds}`)
  }
}

describe('POST /v1/batches', () => {
  it('claims ready groups with prompt, completions, rewards, advantages and versions', async () => {
    await drain()
    const ids = await produce(3, 'arith', 4, 1)
    const res = await claim({ groups: 2, task: 'arith' })
    expect(res.status).toBe(201)
    const b = (await res.json()) as any
    expect(b).toMatchObject({ status: 'open', policyVersion: 0, step: null, groupIds: ids.slice(0, 2) })
    expect(Date.parse(b.expiresAt) - Date.now()).toBeGreaterThan(100_000) // default 120 s claim
    const [g] = b.groups
    expect(g).toMatchObject({ id: ids[0], policyVersion: 0, task: { name: 'arith', scaleRewards: 'group' } })
    expect(g.prompt.text).toMatch(/^q\d+$/)
    expect(g.completions.map((c: any) => c.reward)).toEqual([1, 0, 0, 0])
    expect(g.completions[0].text).toBe('a' + g.prompt.text.slice(1))
    expect(g.completions[1]).toMatchObject({ index: 1, tokenIds: [11, 21, 2], logprobs: [-0.5, -0.5, -0.125], finishReason: 'stop' })
    // worked example: mean 0.25, Bessel std 0.5 → A = 0.75/0.5001, −0.25/0.5001
    expect(g.completions[0].advantage).toBeCloseTo(0.75 / 0.5001, 12)
    expect(g.completions[1].advantage).toBeCloseTo(-0.25 / 0.5001, 12)
    expect(g.completions.map((c: any) => c.advantage)).toEqual(groupAdvantages([1, 0, 0, 0]))
    expect(JSON.stringify(b)).not.toMatch(/answer/) // reference answers never leave the edge
    expect(await statusOf(ids)).toMatchObject([{ status: 'claimed' }, { status: 'claimed' }, { status: 'ready' }])
    expect((await act(b.id, 'release')).status).toBe(200)
  })

  it('answers 204 with Retry-After when nothing is ready, and filters by task', async () => {
    await drain()
    await produce(1, 'other', 2)
    const none = await claim({ groups: 4, task: 'arith' })
    expect(none.status).toBe(204)
    expect(none.headers.get('retry-after')).toBe('1')
    const got = (await (await claim({ groups: 4, task: 'other' })).json()) as any
    expect(got.groups).toHaveLength(1)
    expect(got.groups[0].task.name).toBe('other')
    await act(got.id, 'release')
  })

  it('complete: groups trained once with a train_steps row; a retry is answered the same; another step conflicts', async () => {
    await drain()
    const ids = await produce(2)
    const b = (await (await claim({ groups: 8 })).json()) as any
    expect(b.groupIds).toEqual(ids)
    const done = await act(b.id, 'complete', { step: 7, metrics: { loss: 0.25, 'completions/mean_length': 3 } })
    expect(done.status).toBe(200)
    expect(await done.json()).toMatchObject({ id: b.id, status: 'completed', step: 7, expiresAt: null })
    expect(await statusOf(ids)).toEqual(ids.map((id) => ({ id, status: 'trained', trained_step: 7 })))
    const steps = await rows<any>(t.db, sql`select * from train_steps where step = 7`)
    expect(steps).toHaveLength(1)
    expect(steps[0]).toMatchObject({ group_count: 2, policy_version: 0, metrics: { loss: 0.25, 'completions/mean_length': 3 } })

    const again = await act(b.id, 'complete', { step: 7, metrics: { loss: 0.25 } })
    expect(again.status).toBe(200)
    expect(await rows(t.db, sql`select * from train_steps where step = 7`)).toHaveLength(1)
    const other = await act(b.id, 'complete', { step: 8 })
    expect(other.status).toBe(409)
    expect(other.headers.get('content-type')).toContain('application/problem+json')
    expect(((await other.json()) as any).detail).toMatch(/completed \(step 7\)/)
    expect((await act(b.id, 'release')).status).toBe(409)
    expect(await claim({ groups: 8 }).then((r) => r.status)).toBe(204) // trained groups are never served again
  })

  it('a trainer that crashes between claim and complete loses nothing and nothing is trained twice', async () => {
    await drain()
    const ids = await produce(3)
    const crashed = (await (await claim({ groups: 3, claimSeconds: 5 })).json()) as any
    expect(crashed.groupIds).toEqual(ids)
    expect(await claim({ groups: 3 }).then((r) => r.status)).toBe(204) // claimed: nobody else gets them
    // the trainer dies; time passes beyond its claim
    await t.db.execute(sql`update groups set claim_expires_at = now() - interval '1 second' where claimed_by = ${'batch:' + crashed.id}`)
    const next = (await (await claim({ groups: 3 })).json()) as any
    expect(next.groupIds).toEqual(ids) // back in the queue, served to the next trainer
    // the crashed trainer comes back and tries to finish: refused, nothing written
    const late = await act(crashed.id, 'complete', { step: 100 })
    expect(late.status).toBe(410)
    expect(((await late.json()) as any).detail).toMatch(/expired/)
    expect(await rows(t.db, sql`select * from train_steps where step = 100`)).toHaveLength(0)
    expect(await statusOf(ids)).toMatchObject(ids.map(() => ({ status: 'claimed' })))
    expect((await act(next.id, 'complete', { step: 101 })).status).toBe(200)
    expect(await statusOf(ids)).toEqual(ids.map((id) => ({ id, status: 'trained', trained_step: 101 })))
    expect(((await (await t.call('GET', `/v1/batches/${crashed.id}`, { key: t.keys.learner })).json()) as any).status).toBe('expired')
  })

  it('renew pushes the expiry forward; release returns the groups; GET shows the batch', async () => {
    await drain()
    const ids = await produce(2)
    const b = (await (await claim({ groups: 2, claimSeconds: 30 })).json()) as any
    expect(Date.parse(b.expiresAt) - Date.now()).toBeLessThan(31_000)
    const renewed = (await (await act(b.id, 'renew', { claimSeconds: 600 })).json()) as any
    expect(Date.parse(renewed.expiresAt) - Date.now()).toBeGreaterThan(590_000)
    expect(renewed.groupIds).toEqual(ids)
    const bare = await t.call('POST', `/v1/batches/${b.id}/renew`, { key: t.keys.learner }) // no body: default claim
    expect(bare.status).toBe(200)
    const seen = (await (await t.call('GET', `/v1/batches/${b.id}`, { key: t.keys.learner })).json()) as any
    expect(seen.groups.map((g: any) => g.id)).toEqual(ids)
    const rel = await act(b.id, 'release')
    expect(rel.status).toBe(200)
    expect(((await rel.json()) as any).status).toBe('released')
    expect(await statusOf(ids)).toMatchObject(ids.map(() => ({ status: 'ready' })))
    expect((await act(b.id, 'release')).status).toBe(200) // idempotent
    expect((await act(b.id, 'renew')).status).toBe(409)
  })

  it('maxStaleness marks groups too many versions behind stale and never serves them', async () => {
    await drain()
    const old = await produce(2, 'arith', 4, 1, 0)
    for (let v = 0; v < 3; v++)
      await publishVersion(t.db, { step: v, artifactUri: 'file:///nowhere', sha256: `${v}`.padStart(64, '0'), files: {} })
    const fresh = await produce(1, 'arith', 4, 1, 2)
    const b = (await (await claim({ groups: 8, maxStaleness: 1 })).json()) as any // newest 2 → min version 1
    expect(b.policyVersion).toBe(2)
    expect(b.staleMarked).toBe(2)
    expect(b.groupIds).toEqual(fresh)
    expect(await statusOf(old)).toMatchObject(old.map(() => ({ status: 'stale' })))
    await act(b.id, 'release')
  })

  it('concurrent claims never share a group', async () => {
    await drain()
    const ids = await produce(24)
    const got = (await Promise.all(Array.from({ length: 6 }, () => claim({ groups: 5 }).then((r) => (r.status === 201 ? r.json() : null))))) as any[]
    const served = got.flatMap((b) => b?.groupIds ?? [])
    expect(new Set(served).size).toBe(served.length)
    expect(served.sort((a, b) => a - b)).toEqual(ids)
    for (const b of got) if (b) await act(b.id, 'release')
  })

  it('refuses other roles, other keys and bad input with problem+json, changing nothing', async () => {
    await drain()
    await produce(1)
    expect((await claim({ groups: 1 }, t.keys.worker)).status).toBe(403)
    expect((await claim({ groups: 1 }, null as any)).status).toBe(401)
    for (const body of [{}, { groups: 0 }, { groups: 2000 }, { groups: 1, extra: true }, { groups: 1, claimSeconds: 1 }]) {
      const res = await claim(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    expect((await claim({ groups: 1, task: 'nope' })).status).toBe(404)
    const b = (await (await claim({ groups: 1 })).json()) as any
    const stranger = await createKey(t.db, 'learner', 'another trainer')
    expect((await act(b.id, 'complete', { step: 1 }, stranger.key)).status).toBe(403)
    expect((await act(b.id, 'complete', { step: -1 })).status).toBe(400)
    expect((await act(b.id, 'complete', { step: 1, metrics: { loss: 'high' } })).status).toBe(400)
    expect((await act(999999, 'complete', { step: 1 })).status).toBe(404)
    expect(await statusOf(b.groupIds)).toMatchObject([{ status: 'claimed' }])
    expect((await act(b.id, 'release', undefined, t.keys.admin)).status).toBe(200) // an admin may act on any batch
  })
})

describe('POST /v1/models (a version trained elsewhere)', () => {
  const bytes = Buffer.from('{"hidden_size": 8}')
  const sha = createHash('sha256').update(bytes).digest('hex')
  const manifest = (files: Record<string, { sha256: string; bytes: number }>) =>
    createHash('sha256')
      .update(`{"files":{${Object.keys(files).sort().map((p) => `${JSON.stringify(p)}:{"bytes":${files[p].bytes},"sha256":"${files[p].sha256}"}`).join(',')}}}`)
      .digest('hex')
  // the trainer's own file server (a bucket, a CDN)
  let files: Server
  let body: any
  beforeAll(async () => {
    const port = await freePort()
    files = createServer((req, res) => (req.url === '/run/config.json' ? res.end(bytes) : res.writeHead(404).end()))
    await new Promise<void>((r) => files.listen(port, '127.0.0.1', r))
    body = {
      step: 40,
      format: 'safetensors',
      files: { 'config.json': { sha256: sha, bytes: bytes.length, url: `http://127.0.0.1:${port}/run/config.json` } },
      metrics: { loss: 0.5 },
    }
  })
  afterAll(() => new Promise<void>((r) => files.close(() => r())))

  it('registers it; workers see it as the latest and can download and verify its files', async () => {
    const res = await t.call('POST', '/v1/models', { key: t.keys.learner, body: { ...body, sha256: manifest(body.files) } })
    expect(res.status).toBe(201)
    const m = (await res.json()) as any
    expect(m).toMatchObject({ step: 40, format: 'safetensors', sha256: manifest(body.files), metrics: { loss: 0.5 } })
    const latest = (await (await t.call('GET', '/v1/models/latest', { key: t.keys.worker })).json()) as any
    expect(latest).toMatchObject({ version: m.version, format: 'safetensors', files: body.files })
    // the edge sends file requests to the registered URL; a worker downloads from there and verifies the bytes
    const redirect = await t.call('GET', `/v1/models/${m.version}/files/config.json`, { key: t.keys.worker })
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get('location')).toBe(body.files['config.json'].url)
    const read = modelFileReader(new EdgeClient({ baseUrl: 'http://127.0.0.1:9', key: 'unused' }))
    const cached = await fetchModelFiles(latest, mkdtempSync(join(tmpdir(), 'cohort-cache-')), read)
    expect(cached).toMatch(new RegExp(`v${m.version}-`))
    // the same files at the same step again: the same version
    const again = await t.call('POST', '/v1/models', { key: t.keys.learner, body })
    expect(again.status).toBe(200)
    expect(((await again.json()) as any).version).toBe(m.version)
  })

  it('refuses what workers could not use, with problem+json', async () => {
    const before = await rows(t.db, sql`select id from model_versions`)
    const cases: [unknown, number, RegExp?][] = [
      [{ ...body, sha256: 'f'.repeat(64) }, 400, /does not match/],
      [{ ...body, files: { 'config.json': { sha256: sha, bytes: 3 } } }, 400, /no artifactUri/],
      [{ ...body, artifactUri: 'file:///x', files: { '../up': { sha256: sha, bytes: 3 } } }, 400, /relative/],
      [{ ...body, files: {} }, 400, /at least one/],
      [{ ...body, format: 'gguf' }, 400],
      [{ ...body, files: { a: { sha256: 'XYZ', bytes: 1, url: 'http://h/a' } } }, 400],
      [{ ...body, files: { a: { sha256: sha, bytes: 1, url: 'file:///a' } } }, 400],
      [{ ...body, artifactUri: 'ftp://host/x' }, 400],
    ]
    for (const [b, status, detail] of cases) {
      const res = await t.call('POST', '/v1/models', { key: t.keys.learner, body: b })
      expect(res.status, JSON.stringify(b)).toBe(status)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      if (detail) expect(((await res.json()) as any).detail).toMatch(detail)
    }
    expect((await t.call('POST', '/v1/models', { key: t.keys.worker, body })).status).toBe(403)
    expect(await rows(t.db, sql`select id from model_versions`)).toHaveLength(before.length)
  })
})
