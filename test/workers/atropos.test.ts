/**
 * Scale-out paths inside workerd, through the worker's fetch handler on per-request Postgres clients: the
 * Atropos-compatible API (register → batch → register-env → scored_data with the key in the path → batch) and
 * an HTTP trainer's /v1/batches claim → complete.
 */
import { exports } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { call } from './edge-call.js'

const admin = inject('adminKey')
const keyOf = async (role: string) => (await call('POST', '/v1/keys', admin, { role })).json.key as string

describe(`scale-out APIs in workerd (database: ${inject('databaseKind')})`, () => {
  it('Atropos: a trainer and an environment exchange scored data through Postgres, each group once', async () => {
    const [learner, worker] = [await keyOf('learner'), await keyOf('worker')]
    const reg = { wandb_group: `wk-${Date.now()}`, wandb_project: 'p', batch_size: 2, max_token_len: 16, checkpoint_dir: '', save_checkpoint_interval: 0, starting_step: 5, num_steps: 10 }
    expect((await call('POST', '/atropos/register', learner, reg)).status).toBe(200)
    expect((await call('GET', '/atropos/batch', learner)).json).toEqual({ batch: null })
    const env = await call('POST', `/atropos/k/${worker}/register-env`, null, { max_token_length: 16, desired_name: 'wk', weight: 1, group_size: 2 })
    expect(env.json).toMatchObject({ status: 'success', starting_step: 5 })
    const data = { tokens: [[1, 2, 3], [1, 2, 4]], masks: [[-100, 2, 3], [-100, 2, 4]], scores: [1, 0], env_id: env.json.env_id }
    expect((await call('POST', `/atropos/k/${worker}/scored_data`, null, data)).json).toEqual({ status: 'received' })
    const bad = await call('POST', `/atropos/k/${worker}/scored_data`, null, { ...data, masks: [[-100, 2, 3]] })
    expect(bad.status).toBe(400)
    expect(bad.type).toContain('application/problem+json')
    // Atropos environments gzip their bodies: decompressed at the edge with workerd's DecompressionStream
    const gz = await new Response(new Blob([JSON.stringify({ ...data, scores: [0, 1] })]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
    const zipped = await exports.default.fetch(`http://edge.test/atropos/k/${worker}/scored_data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gz.byteLength) },
      body: gz,
    })
    expect(zipped.status).toBe(200)
    expect(await zipped.json()).toEqual({ status: 'received' })
    const got = await call('GET', '/atropos/batch', learner)
    expect(got.json.batch).toHaveLength(1)
    expect(got.json.batch[0]).toMatchObject({ tokens: data.tokens, masks: data.masks, scores: [1, 0], env_id: env.json.env_id })
    expect((await call('GET', '/atropos/batch', learner)).json.batch[0].scores).toEqual([0, 1])
    expect((await call('GET', '/atropos/batch', learner)).json).toEqual({ batch: null })
    expect((await call('GET', '/atropos/status', learner)).json).toMatchObject({ current_step: 7 })
  })

  it('/v1/batches: claim a stored group and complete it exactly once', async () => {
    const [learner, worker] = [await keyOf('learner'), await keyOf('worker')]
    expect((await call('POST', '/v1/tasks', admin, { name: 'wk-batches', verifier: { type: 'exact' }, groupSize: 2 })).status).toBe(201)
    await call('POST', '/v1/tasks/wk-batches/prompts', admin, { prompts: [{ prompt: '2+2=', answer: '4' }] })
    const lease = await call('POST', '/v1/leases', worker, { task: 'wk-batches' })
    await call('POST', `/v1/leases/${lease.json.leaseId}/group`, worker, { modelVersion: 0, completions: [{ text: '4' }, { text: '5' }] })
    const b = await call('POST', '/v1/batches', learner, { groups: 1, task: 'wk-batches' })
    expect(b.status).toBe(201)
    expect(b.json.groups[0].completions.map((c: any) => c.reward)).toEqual([1, 0])
    expect((await call('POST', `/v1/batches/${b.json.id}/complete`, learner, { step: 1 })).json).toMatchObject({ status: 'completed', step: 1 })
    expect((await call('POST', `/v1/batches/${b.json.id}/complete`, learner, { step: 2 })).status).toBe(409)
  })
})
