/**
 * examples/trainer_client.py, run by the system's python3 against a real Node edge on a real database: the wire
 * format as an outside (verl / TRL-style) trainer sees it, a crash between claim and complete, and the tensors
 * it builds checked against Cohort's own advantages.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { groupAdvantages } from '../../common/advantages.js'
import { startNodeServer, type NodeServer } from '../../edge/node.js'
import { createKey, rows } from '../../schema/queries/index.js'
import { freshDatabase, type TestDatabase } from '../helpers/db.js'
import { seedTask } from '../helpers/edge.js'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(import.meta.dirname, '../../examples/trainer_client.py')

let d: TestDatabase
let server: NodeServer
let learnerKey: string
let workerKey: string
beforeAll(async () => {
  d = await freshDatabase()
  server = await startNodeServer({ port: 0, database: d, adminKey: 'admin-trainer-client' })
  learnerKey = (await createKey(d.db, 'learner', 'python trainer')).key
  workerKey = (await createKey(d.db, 'worker', 'w')).key
  await seedTask(d.db, 'arith', { groupSize: 4, prompts: 50 })
})
afterAll(async () => {
  await server?.close()
  await d?.drop()
})

async function produce(n: number): Promise<number[]> {
  const ids: number[] = []
  for (let k = 0; k < n; k++) {
    const post = (path: string, body: unknown) =>
      fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${workerKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>)
    const lease = await post('/v1/leases', { task: 'arith' })
    const answer = 'a' + lease.prompt.text.slice(1)
    const right = k % 3 // groups with 0, 1 and 2 right answers
    const g = await post(`/v1/leases/${lease.leaseId}/group`, {
      modelVersion: 0,
      completions: Array.from({ length: 4 }, (_, i) => ({
        text: i < right ? answer : 'no',
        tokenIds: Array.from({ length: i + 1 }, (_, j) => 30 + j),
        logprobs: Array.from({ length: i + 1 }, (_, j) => -0.1 * (j + 1)),
        finishReason: 'stop',
      })),
    })
    ids.push(g.groupId)
  }
  return ids
}

function python(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, [SCRIPT, '--base-url', server.url, '--idle-exit', '3', ...args], {
      env: { ...process.env, COHORT_LEARNER_KEY: learnerKey },
    })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (b) => (stdout += b))
    p.stderr.on('data', (b) => (stderr += b))
    p.on('error', reject)
    p.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe.skipIf(!existsSync(PYTHON))('examples/trainer_client.py against a real edge', () => {
  it('a trainer that crashes after claiming loses nothing; the next one trains every group exactly once', async () => {
    const ids = await produce(6)
    const crash = await python(['--groups', '6', '--crash-after-claim', '--claim-seconds', '5'])
    expect(crash.code, crash.stderr).toBe(3)
    expect(JSON.parse(crash.stdout).groups).toEqual(ids)
    const held = await rows<{ status: string }>(d.db, sql`select status from groups where id in ${ids}`)
    expect(held.every((g) => g.status === 'claimed')).toBe(true)
    // its claim lapses (5 s in real time; advanced here)
    await d.db.execute(sql`update groups set claim_expires_at = now() - interval '1 second' where status = 'claimed'`)

    const dump = join(mkdtempSync(join(tmpdir(), 'cohort-py-')), 'tensors.json')
    const run = await python(['--groups', '3', '--steps', '2', '--dump', dump])
    expect(run.code, run.stderr).toBe(0)
    const steps = run.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(steps.map((s) => s.step)).toEqual([1, 2])
    expect(steps.flatMap((s) => s.groups)).toEqual(ids)
    const groups = await rows<{ id: number; status: string; trained_step: number }>(d.db, sql`select id, status, trained_step from groups where id in ${ids} order by id`)
    expect(groups.map((g) => [g.status, g.trained_step])).toEqual(ids.map((_, i) => ['trained', i < 3 ? 1 : 2]))
    const ts = await rows<any>(d.db, sql`select step, group_count, metrics from train_steps order by step`)
    expect(ts.map((r) => [r.step, r.group_count])).toEqual([[1, 3], [2, 3]])
    expect(ts[0].metrics.loss).toBeCloseTo(steps[0].loss, 12)

    // the tensors the Python side built: group-major rows, right-padded completions, left-padded prompts
    const t = JSON.parse(readFileSync(dump, 'utf8'))
    expect(t.completion_ids).toHaveLength(12)
    expect(t.completion_ids[0]).toEqual([30, 0, 0, 0])
    expect(t.completion_mask[2]).toEqual([1, 1, 1, 0])
    expect(t.old_per_token_logps[3].map((x: number) => Math.fround(x))).toEqual([-0.1, -0.2, -0.3, -0.4].map(Math.fround))
    const rewards = [[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0]]
    expect(t.rewards).toEqual(rewards.flat())
    rewards.flatMap((r) => groupAdvantages(r)).forEach((a, i) => expect(t.advantages[i]).toBeCloseTo(a, 12))
    const promptLen = t.prompt_mask[0].reduce((s: number, x: number) => s + x, 0)
    expect(t.prompt_ids[0].slice(-promptLen)[0]).toBe('q'.charCodeAt(0))
    // the loss it reported: −Σ A·|tokens| / Σ|tokens| over the batch, recomputed here
    const lens = [1, 2, 3, 4]
    const num = rewards.flatMap((r) => groupAdvantages(r).map((a, i) => -a * lens[i])).reduce((s, x) => s + x, 0)
    expect(steps[0].loss).toBeCloseTo(num / 30, 10)
  })
})
