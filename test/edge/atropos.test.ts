/**
 * The Atropos-compatible API on a real database. Request and response shapes follow Atropos' own API
 * (atroposlib/api/server.py: Registration, RegisterEnv, ScoredData, /batch → { batch }, /status → { current_step,
 * queue_size }); what Cohort adds is checked too: persistence, exactly-once batches, keys, validation.
 */
import { request as httpRequest } from 'node:http'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { createApp } from '../../edge/app.js'
import { startNodeServer, type NodeServer } from '../../edge/node.js'
import { unpackInt32 } from '../../common/packed.js'
import { rows } from '../../schema/queries/index.js'
import { testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
})
afterAll(() => t?.close())

const post = (path: string, body: unknown, key: string | null = t.keys.worker) => t.call('POST', `/atropos${path}`, { key, body })
const get = (path: string, key: string | null = t.keys.learner) => t.call('GET', `/atropos${path}`, { key })
const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any })

const registration = {
  wandb_group: 'grpo-run-1',
  wandb_project: 'atropos-tests',
  batch_size: 4,
  max_token_len: 64,
  checkpoint_dir: '/ckpt',
  save_checkpoint_interval: 10,
  starting_step: 0,
  num_steps: 100,
}
const env = { max_token_length: 32, desired_name: 'gsm8k', weight: 1.0, group_size: 2, min_batch_allocation: null }

/** A ScoredData group of two sequences (prompt tokens masked with −100), as an Atropos environment sends it. */
function scored(envId: number, seed: number) {
  const prompt = [101, 7 + seed, 8]
  const a = [40 + seed, 41, 2]
  const b = [50 + seed, 2]
  return {
    tokens: [[...prompt, ...a], [...prompt, ...b]],
    masks: [[-100, -100, -100, ...a], [-100, -100, -100, ...b]],
    scores: [1.0, -1.0],
    advantages: null,
    ref_logprobs: null,
    messages: [
      [{ role: 'user', content: `q${seed}` }, { role: 'assistant', content: `right ${seed}` }],
      [{ role: 'user', content: `q${seed}` }, { role: 'assistant', content: `wrong ${seed}` }],
    ],
    generation_params: { temperature: 1.0 },
    inference_logprobs: [[1, 1, 1, -0.5, -0.25, -0.125], [1, 1, 1, -0.75, -0.0625]],
    overrides: [{ set_advantage_to_zero: false }, {}],
    group_overrides: { group_tag: seed },
    images: null,
    env_id: envId,
  }
}

let envId: number

describe('Atropos API: registration', () => {
  it('before a trainer registers: info -1, status zero, environments asked to wait, no batch', async () => {
    expect(await json(await get('/info'))).toEqual({ status: 200, body: { batch_size: -1, max_token_len: -1 } })
    expect(await json(await get('/status'))).toEqual({ status: 200, body: { current_step: 0, queue_size: 0 } })
    expect((await json(await post('/register-env', env))).body).toEqual({ status: 'wait for trainer to start' })
    const batch = await get('/batch')
    expect(batch.status).toBe(409)
    expect(batch.headers.get('content-type')).toContain('application/problem+json')
  })

  it('a trainer registers (uuid as a 128-bit integer), starts with its first /batch; environments then register', async () => {
    const res = await post('/register', registration, t.keys.learner)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toMatch(/^\{"uuid":\d+\}$/)
    expect((await json(await get('/info'))).body).toEqual({ batch_size: 4, max_token_len: 64 })
    expect((await json(await post('/register-env', env))).body).toEqual({ status: 'wait for trainer to start' })
    expect((await json(await get('/batch'))).body).toEqual({ batch: null }) // the trainer has started
    const first = (await json(await post('/register-env', env))).body
    expect(first).toMatchObject({ status: 'success', wandb_name: 'gsm8k_0', checkpoint_dir: '/ckpt', starting_step: 0, checkpoint_interval: 10, num_steps: 100 })
    expect(Number.isInteger(first.env_id)).toBe(true)
    const second = (await json(await post('/register-env', env))).body
    expect(second.wandb_name).toBe('gsm8k_1')
    expect(second.env_id).not.toBe(first.env_id)
    envId = first.env_id
    expect(await json(await post('/disconnect-env', { env_id: second.env_id }))).toEqual({ status: 200, body: { status: 'success' } })
    expect((await post('/disconnect-env', { env_id: 999999 })).status).toBe(404)
    // registering the same wandb_group again resumes the run: the first settings stay
    await post('/register', { ...registration, batch_size: 999 }, t.keys.learner)
    expect((await json(await get('/info'))).body.batch_size).toBe(4)
  })
})

describe('Atropos API: scored data and batches', () => {
  it('stores scored groups durably and serves them once, in batches of exactly batch_size sequences', async () => {
    const g0 = scored(envId, 0)
    expect(await json(await post('/scored_data', g0))).toEqual({ status: 200, body: { status: 'received' } })
    expect((await json(await get('/status'))).body).toEqual({ current_step: 0, queue_size: 1 })
    expect((await json(await get('/batch'))).body).toEqual({ batch: null }) // 2 of 4 sequences
    const g1 = scored(envId, 1)
    expect((await json(await post('/scored_data_list', [g1]))).body).toEqual({ status: 'received', groups_processed: 1 })

    // persisted as groups: scores → rewards, tokens and masks kept, the assistant's text as completion text
    const stored = await rows<any>(t.db, sql`select g.status, g.source, g.reward_mean, g.reward_std, c.index, c.text, c.token_ids, c.masks, c.reward
      from groups g join completions c on c.group_id = g.id where g.source = 'atropos' order by g.id, c.index`)
    expect(stored).toHaveLength(4)
    expect(stored[0]).toMatchObject({ status: 'ready', text: 'right 0', reward: 1 })
    expect(unpackInt32(stored[0].token_ids)).toEqual(g0.tokens[0])
    expect(unpackInt32(stored[0].masks)).toEqual(g0.masks[0])
    expect(stored[0].reward_mean).toBe(0)
    expect(stored[0].reward_std).toBeCloseTo(Math.SQRT2, 12)

    const { body } = await json(await get('/batch'))
    expect(body.batch).toHaveLength(2)
    const f32 = (rows: number[][]) => rows.map((r) => r.map(Math.fround))
    for (const [i, sent] of [g0, g1].entries()) {
      const got = body.batch[i]
      expect({ ...got, inference_logprobs: null }).toEqual({ ...sent, inference_logprobs: null })
      expect(got.inference_logprobs).toEqual(f32(sent.inference_logprobs))
    }
    expect((await json(await get('/status'))).body).toEqual({ current_step: 1, queue_size: 0 })
    expect((await json(await get('/batch'))).body).toEqual({ batch: null }) // served once
    const trained = await rows<any>(t.db, sql`select status, trained_step from groups where source = 'atropos'`)
    expect(trained.every((g) => g.status === 'trained' && g.trained_step === 1)).toBe(true)
    // Cohort's own trainers never see Atropos groups (their tokens hold the prompt)
    expect((await t.call('POST', '/v1/batches', { key: t.keys.learner, body: { groups: 10 } })).status).toBe(204)
  })

  it('concurrent trainers: every group is served in exactly one batch', async () => {
    await post('/scored_data_list', Array.from({ length: 6 }, (_, i) => scored(envId, 10 + i)))
    const got = await Promise.all(Array.from({ length: 5 }, () => get('/batch').then((r) => r.json() as Promise<any>)))
    const batches = got.filter((b) => b.batch)
    expect(batches).toHaveLength(3)
    const seen = batches.flatMap((b) => b.batch.map((g: any) => g.group_overrides.group_tag))
    expect(seen.sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15])
    expect((await json(await get('/status'))).body.current_step).toBe(4)
  })

  it('status-env reports the queue and the environment weight', async () => {
    await post('/scored_data', scored(envId, 20))
    const { status, body } = await json(await t.call('GET', `/atropos/status-env?env_id=${envId}`, { key: t.keys.worker }))
    expect(status).toBe(200)
    // gsm8k_1 disconnected: this environment holds all the weight
    expect(body).toEqual({ current_step: 4, queue_size: 1, unallocated_fraction: 1, self_queue_size: 1, max_group_size: 2, env_weight: 1 })
    expect((await t.call('GET', '/atropos/status-env', { key: t.keys.worker })).status).toBe(400)
    expect((await t.call('GET', '/atropos/status-env?env_id=999999', { key: t.keys.worker })).status).toBe(404)
    await get('/batch') // leaves the queue empty for what follows
  })
})

describe('Atropos API: what Atropos did not check', () => {
  const bad: [string, (g: ReturnType<typeof scored>) => unknown, RegExp][] = [
    ['masks rows', (g) => ({ ...g, masks: [g.masks[0]] }), /masks: has 1 rows; tokens has 2/],
    ['a mask row length', (g) => ({ ...g, masks: [g.masks[0], g.masks[1].slice(1)] }), /masks\.1: has 4 entries; tokens\[1\] has 5/],
    ['a mask that is neither −100 nor the token', (g) => ({ ...g, masks: [g.masks[0].map((m, i) => (i === 4 ? 999 : m)), g.masks[1]] }), /masks\.0\.4: must be -100/],
    ['scores rows', (g) => ({ ...g, scores: [1] }), /scores: has 1 rows/],
    ['inference_logprobs length', (g) => ({ ...g, inference_logprobs: [[1], [1]] }), /inference_logprobs\.0: has 1 entries/],
    ['an empty sequence', (g) => ({ ...g, tokens: [[], g.tokens[1]] }), /tokens\.0/],
    ['group size', (g) => ({ ...g, tokens: [g.tokens[0]], masks: [g.masks[0]], scores: [1], messages: null, overrides: null, inference_logprobs: null }), /groups of 2; this one has 1/],
    ['an unknown env_id', (g) => ({ ...g, env_id: 999999 }), /no environment with env_id 999999/],
    ['no env_id', (g) => ({ ...g, env_id: null }), /env_id is required/],
    ['non-integer tokens', (g) => ({ ...g, tokens: [[1.5, 2, 3, 4, 5, 6], g.tokens[1]] }), /tokens\.0\.0/],
  ]
  it.each(bad)('refuses %s with problem+json and stores nothing', async (_name, mutate, detail) => {
    const before = await rows(t.db, sql`select id from groups`)
    const res = await post('/scored_data', mutate(scored(envId, 30)))
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(((await res.json()) as any).detail).toMatch(detail)
    expect(await rows(t.db, sql`select id from groups`)).toHaveLength(before.length)
  })

  it('gzip bodies, as Atropos environments send them; group_overrides.group_size sizes one group', async () => {
    const send = (body: Uint8Array | string, encoding: string, app = t.app) =>
      app.request('/atropos/scored_data', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.keys.worker}`, 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': String(body.length) },
        body: body as BodyInit,
      })
    const count = async () => (await rows(t.db, sql`select id from groups where source = 'atropos'`)).length
    const before = await count()
    const g = scored(envId, 70)
    const ok = await send(gzipSync(JSON.stringify(g)), 'gzip')
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ status: 'received' })
    const three = { ...scored(envId, 71), group_overrides: { group_size: 1 } }
    const single = { ...three, tokens: [three.tokens[0]], masks: [three.masks[0]], scores: [1], messages: null, overrides: null, inference_logprobs: null }
    expect((await send(gzipSync(JSON.stringify(single)), 'gzip')).status).toBe(200)
    expect((await send(gzipSync(JSON.stringify({ ...g, group_overrides: { group_size: 3 } })), 'gzip')).status).toBe(400)
    const bad = await send(new TextEncoder().encode('not gzip at all'), 'gzip')
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as any).detail).toMatch(/not valid gzip/)
    expect((await send(JSON.stringify(g), 'br')).status).toBe(415)
    // a small body that expands past the limit: refused while decompressing
    const small = createApp({ getDb: () => t.db, config: { bodyLimitBytes: 64 * 1024 } })
    const bomb = gzipSync(JSON.stringify({ ...g, tokens: [Array(50_000).fill(7), Array(50_000).fill(7)] }))
    expect(bomb.length).toBeLessThan(64 * 1024)
    const refused = await send(bomb, 'gzip', small)
    expect(refused.status).toBe(413)
    expect(((await refused.json()) as any).detail).toMatch(/once decompressed/)
    expect(await count()).toBe(before + 2) // the gzipped group and the overridden single; nothing of the refused ones
  })

  it('a list is stored whole or not at all', async () => {
    const before = await rows(t.db, sql`select id from groups`)
    const res = await post('/scored_data_list', [scored(envId, 40), { ...scored(envId, 41), scores: [1] }])
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).detail).toMatch(/^invalid json: 1\.scores/)
    expect(await rows(t.db, sql`select id from groups`)).toHaveLength(before.length)
  })

  it('keys: none → 401, the wrong role → 403, a key in the path for header-less clients', async () => {
    expect((await post('/scored_data', scored(envId, 50), null)).status).toBe(401)
    expect((await post('/scored_data', scored(envId, 50), t.keys.learner)).status).toBe(403)
    expect((await get('/batch', t.keys.worker)).status).toBe(403)
    expect((await post('/register', registration, t.keys.worker)).status).toBe(403)
    const viaPath = await t.call('POST', `/atropos/k/${t.keys.worker}/scored_data`, { key: null, body: scored(envId, 51) })
    expect(viaPath.status).toBe(200)
    expect((await t.call('GET', `/atropos/k/not-a-key/status`, { key: null })).status).toBe(401)
    await get('/batch')
  })

  it('bodies over the limit → 413; non-JSON → 415 / 400', async () => {
    const small = createApp({ getDb: () => t.db, config: { bodyLimitBytes: 1024 } })
    const big = { ...scored(envId, 60), tokens: [Array(400).fill(7), Array(400).fill(7)] }
    const res = await small.request('/atropos/scored_data', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.worker}`, 'content-type': 'application/json' },
      body: JSON.stringify(big),
    })
    expect(res.status).toBe(413)
    expect((await t.call('POST', '/atropos/scored_data', { raw: 'tokens=1', headers: { 'content-type': 'text/plain', 'content-length': '8' } })).status).toBe(415)
    expect((await t.call('POST', '/atropos/scored_data', { key: t.keys.worker, raw: '{"tokens": [' })).status).toBe(400)
  })
})

describe('Atropos API over HTTP (Node)', () => {
  let server: NodeServer
  beforeAll(async () => {
    server = await startNodeServer({ port: 0, database: t.database, adminKey: 'atropos-admin' })
  })
  afterAll(() => server?.close())

  it('GET /status-env with a JSON body, as Atropos environments send it', async () => {
    const { port } = new URL(server.url)
    const payload = JSON.stringify({ env_id: envId })
    const out = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/atropos/status-env',
          method: 'GET',
          headers: { authorization: `Bearer ${t.keys.worker}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          let text = ''
          res.on('data', (b) => (text += b))
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
    expect(out.status).toBe(200)
    expect(out.body).toMatchObject({ current_step: expect.any(Number), queue_size: expect.any(Number), env_weight: 1 })
  })
})
