/**
 * The whole loop in multi-process mode against a real Postgres (DATABASE_URL, else 127.0.0.1:5432; skipped with
 * the reason printed when neither answers): `cohort serve` (edge on Node), `cohort learn` (bounded steps) and two
 * `cohort rollout` workers, each its own process, on a fresh database. Asserts that versions were published and
 * picked up by the workers, that every accepted group is trained exactly once or marked stale (or still queued),
 * that the step log accounts for every trained group, and that every published version matches its sha256.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { arithmeticTask } from '../../learner/demo/arith.js'
import { LocalArtifactStore, verifyVersion } from '../../learner/publish/index.js'
import { openDatabase, type OpenDatabase } from '../../schema/db.js'
import { migrateDatabase } from '../../schema/migrate.js'
import { createKey, createTask, insertPrompts, rows } from '../../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../helpers/db.js'
import { freePort } from '../helpers/net.js'

const BIN = join(import.meta.dirname, '../../cli/bin.mjs')
const serverUrl = await testServerUrl()
if (!serverUrl) console.warn('e2e loop skipped: no Postgres server (set DATABASE_URL or run one on 127.0.0.1:5432)')

const STEPS = 6
const PUBLISH_EVERY = 2

interface Proc {
  name: string
  child: ChildProcess
  out: string[]
  exit: Promise<number | null>
}

function start(name: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const out: string[] = []
  child.stdout!.on('data', (d) => out.push(String(d)))
  child.stderr!.on('data', (d) => out.push(String(d)))
  return { name, child, out, exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) }
}


async function until(what: string, ok: () => Promise<boolean>, procs: Proc[], timeoutMs: number) {
  const end = Date.now() + timeoutMs
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${procs.map((p) => `── ${p.name}\n${p.out.join('').slice(-3000)}`).join('\n')}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe.skipIf(!serverUrl)('multi-process loop on a real Postgres', () => {
  let database: OpenDatabase
  let drop: () => Promise<void>
  let dir: string
  const procs: Proc[] = []
  const count = async (q: ReturnType<typeof sql>) => Number((await rows<{ n: unknown }>(database.db, q))[0].n)

  beforeAll(async () => {
    const created = await createServerDatabase(serverUrl!)
    drop = created.drop
    database = await openDatabase({ databaseUrl: created.url })
    await migrateDatabase(database)
    dir = mkdtempSync(join(tmpdir(), 'cohort-e2e-'))
    process.env.E2E_DB = created.url
  })
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
    await database?.close()
    await drop?.()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it(`edge, learner and 2 workers as processes: ${STEPS} steps, versions published and picked up`, async () => {
    const { db } = database
    const url = process.env.E2E_DB!
    const task = await createTask(db, {
      name: 'arith',
      verifier: { type: 'exact' },
      groupSize: 4,
      maxNewTokens: 6,
      temperature: 1,
      topP: 1,
      topK: 0,
      leaseSeconds: 60,
    })
    const { train } = arithmeticTask({ train: 200, heldOut: 0, seed: 5 })
    await insertPrompts(db, task!.id, train.map((t) => ({ text: t.prompt, answer: t.answer })))
    const worker = await createKey(db, 'worker', 'e2e')
    const port = await freePort()
    const edgeUrl = `http://127.0.0.1:${port}`
    const env = { DATABASE_URL: url, COHORT_ADMIN_KEY: 'e2e-admin-key' }

    const edge = start('edge', ['serve', '--port', String(port)], env)
    procs.push(edge)
    const learner = start(
      'learner',
      ['learn', '--dir', join(dir, 'learner'), '--owner', 'e2e-learner', '--max-steps', String(STEPS), '--publish-every', String(PUBLISH_EVERY),
        '--batch-groups', '2', '--gen-batch', '4', '--prompt-length', '24', '--cache-length', '32', '--poll-ms', '200',
        '--lr', '1e-3', '--threads', '1', '--quiet'],
      env,
    )
    procs.push(learner)
    const workers = [1, 2].map((i) =>
      start(`worker ${i}`, ['rollout', '--task', 'arith', '--edge', edgeUrl, '--key', worker.key, '--threads', '1', '--seed', String(i),
        '--cache-dir', join(dir, `cache-${i}`)], env),
    )
    procs.push(...workers)

    const learnerCode = await Promise.race([learner.exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 200_000))])
    expect(learnerCode, learner.out.join('').slice(-3000)).toBe(0)
    // the workers follow the published versions: wait for groups generated by a version after the base model
    await until('a group generated by version ≥ 1', async () => (await count(sql`SELECT count(*) AS n FROM groups WHERE policy_version >= 1`)) > 0, procs, 60_000)
    // each worker picks up a published version (a worker that started late, on a busy machine, may find the
    // learner already done: it still takes the newest version)
    const following = /now generating with model v[1-9]/
    await until('each worker generating with a version ≥ 1', async () => workers.every((w) => following.test(w.out.join(''))), procs, 60_000)
    for (const w of workers) w.child.kill('SIGTERM')
    const codes = await Promise.all(workers.map((w) => w.exit))
    expect(codes, workers.map((w) => w.out.join('').slice(-2000)).join('\n')).toEqual([0, 0])
    edge.child.kill('SIGTERM')
    expect(await edge.exit).toBe(0)

    // versions: the base (v0) and one per PUBLISH_EVERY steps, each file matching its sha256
    const versions = await rows<{ version: number; step: number; artifact_uri: string; sha256: string; files: unknown }>(
      db, sql`SELECT version, step, artifact_uri, sha256, files FROM model_versions ORDER BY version`,
    )
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: STEPS / PUBLISH_EVERY + 1 }, (_, i) => i))
    const store = new LocalArtifactStore(join(dir, 'learner', 'artifacts'))
    for (const v of versions) {
      const r = await verifyVersion(store, { version: v.version, artifactUri: v.artifact_uri, sha256: v.sha256, files: v.files })
      expect(r.problems, `v${v.version}`).toEqual([])
    }
    for (const w of workers) expect(w.out.join('')).toMatch(following)

    // exactly once: no group left claimed; trained groups carry the step that trained them and the step log's
    // group counts add up to them; nothing else changed state behind the learner's back
    expect(await count(sql`SELECT count(*) AS n FROM groups WHERE status = 'claimed'`)).toBe(0)
    expect(await count(sql`SELECT count(*) AS n FROM groups WHERE status NOT IN ('ready', 'trained', 'stale', 'discarded')`)).toBe(0)
    expect(await count(sql`SELECT count(*) AS n FROM groups WHERE (status = 'trained') <> (trained_step IS NOT NULL)`)).toBe(0)
    const steps = await rows<{ step: number; group_count: number }>(db, sql`SELECT step, group_count FROM train_steps ORDER BY step`)
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1))
    const perStep = await rows<{ step: number; n: unknown }>(
      db, sql`SELECT trained_step AS step, count(*) AS n FROM groups WHERE status = 'trained' GROUP BY trained_step ORDER BY 1`,
    )
    expect(perStep.map((r) => [Number(r.step), Number(r.n)])).toEqual(steps.map((s) => [s.step, s.group_count]))
    expect(await count(sql`SELECT count(*) AS n FROM groups WHERE status = 'trained'`)).toBe(steps.reduce((a, s) => a + s.group_count, 0))
    // every lease with a stored group points at it, and no group exists without its lease
    expect(await count(sql`SELECT count(*) AS n FROM groups g LEFT JOIN leases l ON l.group_id = g.id WHERE l.id IS NULL`)).toBe(0)
  })
})
