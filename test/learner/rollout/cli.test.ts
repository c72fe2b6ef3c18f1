/**
 * `cohort rollout` as a separate process against the real edge: it generates groups, and on SIGTERM it takes
 * no new lease, submits what it has in flight and exits 0 — no lease is left unsubmitted.
 */
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows } from '../../../schema/queries/index.js'
import { rolloutFixture, type RolloutFixture } from './fixture.js'

const BIN = join(import.meta.dirname, '../../../cli/bin.mjs')

let f: RolloutFixture
beforeAll(async () => {
  f = await rolloutFixture()
  await f.publishTiny(1, 0)
})
afterAll(() => f?.close())

const count = async (q: ReturnType<typeof sql>) => (await rows<{ n: number }>(f.database.db, q))[0].n

describe('cohort rollout', () => {
  it('--help and bad options', () => {
    const help = spawnSync(process.execPath, [BIN, 'rollout', '--help'], { encoding: 'utf8' })
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/--concurrency N/)
    const bad = spawnSync(process.execPath, [BIN, 'rollout', '--task', 'arith', '--key', 'k', '--concurrency', '0'], { encoding: 'utf8' })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--concurrency must be an integer in \[1, 64\]/)
  })

  it('an unknown task or a refused key ends it with the edge\'s reason, exit 1', async () => {
    // async spawn: the edge answers from this process, so it must not be blocked by spawnSync
    const run = (...a: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'rollout', '--edge', f.server.url, '--threads', '1', ...a], { stdio: ['ignore', 'ignore', 'pipe'] })
        let stderr = ''
        child.stderr.on('data', (d) => (stderr += d))
        child.on('exit', (status) => resolve({ status, stderr }))
      })
    const unknown = await run('--task', 'nope', '--key', f.workerKey, '--cache-dir', join(f.dir, 'cli-cache-x'))
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toMatch(/edge answered 404: .*nope/)
    const refused = await run('--task', 'arith', '--key', 'not-a-key', '--cache-dir', join(f.dir, 'cli-cache-y'))
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/edge answered 401/)
  })

  it('SIGTERM: finishes the groups in flight and exits 0', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'rollout', '--task', 'arith', '--edge', f.server.url, '--concurrency', '2', '--threads', '1', '--cache-dir', join(f.dir, 'cli-cache')],
      { env: { ...process.env, COHORT_WORKER_KEY: f.workerKey }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const deadline = Date.now() + 60_000
    while ((await count(sql`SELECT count(*)::int AS n FROM groups`)) < 3) {
      if (Date.now() > deadline) throw new Error(`no groups from the worker:\n${out}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    child.kill('SIGTERM')
    const code = await exited
    expect(code, out).toBe(0)
    expect(out).toMatch(/SIGTERM: finishing the groups in flight/)
    expect(out).toMatch(/rollout: done — \d+ groups/)
    expect(await count(sql`SELECT count(*)::int AS n FROM leases WHERE submitted_hash IS NULL`)).toBe(0)
  })
})
