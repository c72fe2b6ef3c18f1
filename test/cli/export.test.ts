/**
 * cohort export: stored groups (leased and Atropos) to JSONL and Parquet, read back with independent readers —
 * JSON.parse for JSONL, and for Parquet parquet-wasm (the Rust arrow-rs reader compiled to wasm) through
 * apache-arrow — against what the database holds and Cohort's advantages.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tableFromIPC } from 'apache-arrow'
import { parquetMetadata } from 'hyparquet'
import { readParquet } from 'parquet-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { groupAdvantages } from '../../common/advantages.js'
import { exportGroups } from '../../cli/export/run.js'
import { exportCommand } from '../../cli/commands/export.js'
import { getTaskByName, rows } from '../../schema/queries/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

const BIN = join(import.meta.dirname, '../../cli/bin.mjs')
const dir = mkdtempSync(join(tmpdir(), 'cohort-export-'))
let t: TestEdge
let taskId: number
const groupIds: number[] = []

beforeAll(async () => {
  t = await testEdge()
  taskId = (await seedTask(t.db, 'arith', { groupSize: 3, prompts: 10 })).id
  await seedTask(t.db, 'other', { groupSize: 3, prompts: 2 })
  for (let k = 0; k < 5; k++) {
    const task = k === 4 ? 'other' : 'arith'
    const lease = (await (await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task } })).json()) as any
    const answer = 'a' + lease.prompt.text.slice(1)
    const res = await t.call('POST', `/v1/leases/${lease.leaseId}/group`, {
      key: t.keys.worker,
      body: {
        modelVersion: 0,
        completions: [0, 1, 2].map((i) => ({
          text: i <= k % 3 ? answer : `no ${i}`,
          tokenIds: Array.from({ length: i + 1 }, (_, j) => 100 * k + j),
          logprobs: Array.from({ length: i + 1 }, (_, j) => -0.1 * (j + 1) - k),
          finishReason: i === 2 ? 'length' : 'stop',
        })),
      },
    })
    groupIds.push(((await res.json()) as any).groupId)
  }
  // two groups trained by an outside trainer, the other two of arith stay ready
  const b = (await (await t.call('POST', '/v1/batches', { key: t.keys.learner, body: { groups: 2, task: 'arith' } })).json()) as any
  await t.call('POST', `/v1/batches/${b.id}/complete`, { key: t.keys.learner, body: { step: 3 } })
  await t.db.execute(sql`update groups set created_at = '2026-01-01T00:00:00Z' where id = ${groupIds[0]}`)
})
afterAll(() => t?.close())

/** arrow values → plain JS (lists become arrays, bigints numbers, timestamps ms numbers). */
const plain = (v: any): any =>
  v === null || v === undefined
    ? null
    : typeof v === 'bigint'
      ? Number(v)
      : typeof v === 'object' && typeof v.toArray === 'function' && !(v instanceof Date)
        ? [...v].map(plain)
        : v

function readParquetRows(file: string) {
  const table = tableFromIPC(readParquet(readFileSync(file)).intoIPCStream())
  return { table, rows: table.toArray().map((r: any) => Object.fromEntries(table.schema.fields.map((f) => [f.name, plain(r[f.name])]))) }
}

describe('cohort export', () => {
  it('JSONL: one row per group with prompt, completions, rewards, advantages, token ids, log-probs, versions', async () => {
    const out = join(dir, 'arith.jsonl')
    const done = await exportGroups(t.db, { filter: { taskId, statuses: ['trained', 'ready'] }, format: 'jsonl', out })
    expect(done).toEqual({ groups: 4, completions: 12 })
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((r) => r.group_id)).toEqual(groupIds.slice(0, 4))
    expect(lines.map((r) => r.status)).toEqual(['trained', 'trained', 'ready', 'ready'])
    expect(lines.map((r) => r.trained_step)).toEqual([3, 3, null, null])
    const r1 = lines[1]
    expect(r1).toMatchObject({ task: 'arith', source: 'lease', policy_version: 0, finish_reasons: ['stop', 'stop', 'length'], masks: null })
    expect(r1.prompt).toMatch(/^q\d$/)
    expect(r1.completions[0]).toBe('a' + r1.prompt.slice(1))
    expect(r1.rewards).toEqual([1, 1, 0])
    expect(r1.advantages).toEqual(groupAdvantages([1, 1, 0]))
    expect(r1.token_ids).toEqual([[100], [100, 101], [100, 101, 102]])
    expect(r1.logprobs[2]).toEqual([-1.1, -1.2, -1.3].map(Math.fround))
    expect(lines[0].rewards).toEqual([1, 0, 0])
    expect(lines[0].advantages).toEqual(groupAdvantages([1, 0, 0]))
    expect(Date.parse(lines[0].created_at)).toBe(Date.parse('2026-01-01T00:00:00Z'))
    expect(existsSync(`${out}.partial`)).toBe(false)
  })

  it('Parquet read back by arrow-rs equals the JSONL export, with list and list<list> columns', async () => {
    const out = join(dir, 'arith.parquet')
    await exportGroups(t.db, { filter: { taskId, statuses: ['trained', 'ready'] }, format: 'parquet', out })
    const { table, rows: got } = readParquetRows(out)
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(expect.arrayContaining([
      'token_ids:List<List<Int32>>',
      'logprobs:List<List<Float32>>',
      'rewards:List<Float64>',
      'completions:List<Utf8>',
      'prompt:Utf8',
    ]))
    const want = readFileSync(join(dir, 'arith.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(got).toHaveLength(want.length)
    got.forEach((r, i) => {
      expect({ ...r, created_at: null }).toEqual({ ...want[i], created_at: null })
      expect(r.created_at).toBe(Date.parse(want[i].created_at))
    })
  })

  it('--since and --status filter; an Atropos group keeps its masks; an empty export is still a valid file', async () => {
    const ready = join(dir, 'ready.jsonl')
    await exportGroups(t.db, { filter: { taskId, statuses: ['ready'], since: new Date('2026-06-01T00:00:00Z') }, format: 'jsonl', out: ready })
    expect(readFileSync(ready, 'utf8').trim().split('\n').map((l) => JSON.parse(l).group_id)).toEqual(groupIds.slice(2, 4))
    const recent = join(dir, 'recent.jsonl')
    await exportGroups(t.db, { filter: { taskId, statuses: ['trained'], since: new Date('2026-06-01T00:00:00Z') }, format: 'jsonl', out: recent })
    expect(readFileSync(recent, 'utf8').trim().split('\n').map((l) => JSON.parse(l).group_id)).toEqual([groupIds[1]])

    // an Atropos environment's group (prompt inside the tokens, masks −100 on it)
    await t.call('POST', '/atropos/register', { key: t.keys.learner, body: { wandb_group: 'x', wandb_project: 'p', batch_size: 8, max_token_len: 8, checkpoint_dir: '', save_checkpoint_interval: 0, starting_step: 0, num_steps: 1 } })
    await t.call('GET', '/atropos/batch', { key: t.keys.learner })
    const env = (await (await t.call('POST', '/atropos/register-env', { key: t.keys.worker, body: { max_token_length: 8, desired_name: 'env', weight: 1, group_size: 2 } })).json()) as any
    await t.call('POST', '/atropos/scored_data', { key: t.keys.worker, body: { tokens: [[5, 6, 7], [5, 8]], masks: [[-100, 6, 7], [-100, 8]], scores: [1, 0], env_id: env.env_id } })
    const atroposTask = (await getTaskByName(t.db, 'atropos/env'))!
    const out = join(dir, 'atropos.parquet')
    await exportGroups(t.db, { filter: { taskId: atroposTask.id, statuses: ['ready'] }, format: 'parquet', out })
    const [row] = readParquetRows(out).rows
    expect(row).toMatchObject({ source: 'atropos', prompt: null, token_ids: [[5, 6, 7], [5, 8]], masks: [[-100, 6, 7], [-100, 8]], rewards: [1, 0] })

    const empty = join(dir, 'empty.parquet')
    expect(await exportGroups(t.db, { filter: { taskId, statuses: ['ready'], since: new Date('2099-01-01') }, format: 'parquet', out: empty })).toEqual({ groups: 0, completions: 0 })
    // parquet-wasm 0.8 fails on a file without row groups ("Expected list element type of Struct"): its
    // metadata is read here with hyparquet instead
    const bytes = readFileSync(empty)
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
    expect(meta.num_rows).toBe(0n)
    expect(meta.schema.filter((e) => e.name !== 'list' && e.name !== 'element').map((e) => e.name)).toEqual(['root', ...Object.keys(JSON.parse(readFileSync(join(dir, 'arith.jsonl'), 'utf8').split('\n')[0]))])
  })

  it('refuses bad options with one line', async () => {
    await expect(exportCommand.run(['--task', 'arith'])).rejects.toThrow(/--out is required/)
    await expect(exportCommand.run(['--task', 'arith', '--out', 'x', '--format', 'csv'])).rejects.toThrow(/jsonl or parquet/)
    await expect(exportCommand.run(['--task', 'arith', '--out', 'x', '--status', 'pending'])).rejects.toThrow(/--status takes/)
    await expect(exportCommand.run(['--task', 'arith', '--out', 'x', '--since', 'yesterday'])).rejects.toThrow(/ISO 8601/)
  })

  it('the command as a process on the same database', async () => {
    const url = (t.database as { url?: string }).url
    if (!url) return // embedded PGlite is in this process only: covered in-process above
    const out = join(dir, 'cli.parquet')
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'export', '--task', 'arith', '--format', 'parquet', '--out', out, '--status', 'trained'], { env: { ...process.env, DATABASE_URL: url } })
      let stdout = ''
      let stderr = ''
      p.stdout.on('data', (b) => (stdout += b))
      p.stderr.on('data', (b) => (stderr += b))
      p.on('close', (code) => resolve({ code, stdout, stderr }))
    })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/exported 2 groups \(6 completions\) of arith/)
    expect(readParquetRows(out).rows.map((r) => r.group_id)).toEqual(groupIds.slice(0, 2))
    const n = await rows<{ n: unknown }>(t.db, sql`select count(*) as n from groups where status = 'trained'`)
    expect(Number(n[0].n)).toBe(2)
  })
})
