/**
 * Crash test: `cohort learn` as a child process on a real Postgres, killed with SIGKILL at chosen phases
 * (claim, step, commit, publish, checkpoint, and during a resume's replay) again and again, then run to the
 * end. Afterwards: every seeded group was trained exactly once or marked stale (none lost, none twice), the
 * step log is gap- and duplicate-free, every published version's files match their sha256, and the learner's
 * checkpoints agree with the committed log (newest checkpoint + replay = base model + full replay, bit for bit).
 * Needs the local Postgres server (or DATABASE_URL); skipped with a printed reason otherwise.
 */
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CheckpointStore, LocalArtifactStore, verifyVersion } from '../../learner/publish/index.js'
import { Learner, resolveLearnConfig, tinyModel } from '../../learner/service/index.js'
import { openDatabase, type OpenDatabase } from '../../schema/db.js'
import { migrateDatabase } from '../../schema/migrate.js'
import { listVersions, rows } from '../../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../helpers/db.js'
import { seedGroups } from '../learner/service/seed.js'

const GROUPS = 120
const OWNER = 'crash-learner'
const KILLS: { phase: string; nth: number }[] = [
  { phase: 'claim', nth: 2 },
  { phase: 'step', nth: 3 },
  { phase: 'step', nth: 1 },
  { phase: 'commit', nth: 2 },
  { phase: 'publish', nth: 1 },
  { phase: 'checkpoint', nth: 1 },
  { phase: 'replay', nth: 1 },
  { phase: 'commit', nth: 1 },
  { phase: 'publish', nth: 2 },
]

let serverUrl: string | null
let database: OpenDatabase
let drop: (() => Promise<void>) | undefined
let url: string
let dir: string
const learners: Learner[] = []

beforeAll(async () => {
  serverUrl = await testServerUrl()
  if (!serverUrl) {
    console.warn('crash test skipped: no Postgres server (set DATABASE_URL or run one on 127.0.0.1:5432)')
    return
  }
  const created = await createServerDatabase(serverUrl)
  url = created.url
  drop = created.drop
  database = await openDatabase({ databaseUrl: url })
  await migrateDatabase(database)
  dir = await mkdtemp(join(tmpdir(), 'cohort-crash-'))
})
afterAll(async () => {
  for (const l of learners) await l.close()
  await database?.close()
  await drop?.()
})

const learnArgs = (extra: string[] = []) => [
  '--import', 'tsx', 'cli/run.ts', 'learn',
  '--dir', dir, '--owner', OWNER, '--seed', '3',
  '--batch-groups', '2', '--batch-wait-ms', '0', '--max-staleness', '12', '--publish-every', '3', '--checkpoint-every', '3',
  '--gen-batch', '2', '--prompt-length', '8', '--cache-length', '16',
  '--lr', '0.001', '--micro-batch', '8', '--threads', '1',
  '--poll-ms', '50', '--idle-exit', '1', '--trace', '--quiet', ...extra,
]

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  phases: string[]
  stderr: string
}

/** Run the learner; SIGKILL it shortly after the nth "@phase <kill.phase>" line (if it gets there). */
function runLearner(kill?: { phase: string; nth: number }, extra: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, learnArgs(extra), {
      cwd: process.cwd(),
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const phases: string[] = []
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    let seen = 0
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^@phase (\w+)$/.exec(line)
      if (!m) return
      phases.push(m[1])
      if (kill && m[1] === kill.phase && ++seen === kill.nth)
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 30))
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, phases, stderr }))
  })
}

const count = async (query: ReturnType<typeof sql>) => Number((await rows<{ n: unknown }>(database.db, query))[0].n)

describe('learner crash safety (kill -9)', () => {
  it('after repeated kills and restarts every group is trained exactly once or stale, and versions verify', async (ctx) => {
    if (!serverUrl) ctx.skip()
    const { groupIds } = await seedGroups(database.db, { groups: GROUPS, groupSize: 4 })
    let killed = 0
    const log: string[] = []
    for (const k of KILLS) {
      // A run whose target phase never comes (e.g. no replay was due because the previous kill landed after its
      // checkpoint) stops after a few steps instead of draining the queue; the kill is then tried again, and the
      // step-bounded run that finished leaves committed steps past the checkpoint, so a replay is due next time.
      for (let attempt = 1; attempt <= 3; attempt++) {
        // ≥ 2 publishes (every 3 steps) fit in the bound, which never ends on a checkpoint (every 3): a run that
        // finishes leaves committed steps past its last checkpoint, to be replayed by the next start
        const committed = await count(sql`select count(*) as n from train_steps`)
        const bound = committed + 7 + ((committed + 7) % 3 === 0 ? 1 : 0)
        const r = await runLearner(k, ['--max-steps', String(bound)])
        if (r.signal !== 'SIGKILL') expect(r.code, r.stderr).toBe(0) // it finished first: the target phase never came
        log.push(`${k.phase}#${k.nth} (try ${attempt}): ${r.signal === 'SIGKILL' ? 'killed' : 'finished'} after ${r.phases.length} phases [${[...new Set(r.phases)].join(',')}]`)
        if (r.signal === 'SIGKILL') {
          killed++
          break
        }
      }
    }
    const last = await runLearner()
    expect(last.code, last.stderr).toBe(0)
    console.log(`crash test: ${killed} kill(s) of ${KILLS.length}\n  ${log.join('\n  ')}\n  final run phases: ${[...new Set(last.phases)].join(', ')}`)
    expect(killed).toBe(KILLS.length) // every scheduled kill landed

    // every group: trained (once: one trained_step) or stale; nothing lost in claimed/ready, nothing discarded
    const status = await rows<{ status: string; n: unknown }>(database.db, sql`select status, count(*) as n from groups where id in ${groupIds} group by status`)
    const by = Object.fromEntries(status.map((s) => [s.status, Number(s.n)]))
    expect(Object.keys(by).sort()).toEqual(Object.keys(by).filter((s) => s === 'trained' || s === 'stale').sort())
    expect((by.trained ?? 0) + (by.stale ?? 0)).toBe(GROUPS)
    expect(by.trained).toBeGreaterThan(0)
    // the step log: 1..N, each once, each row's group count = the groups that record that step
    const steps = await rows<{ step: number; group_count: number; n: unknown }>(
      database.db,
      sql`select s.step, s.group_count, (select count(*) from groups g where g.trained_step = s.step) as n from train_steps s order by s.step`,
    )
    expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1))
    for (const s of steps) expect(Number(s.n), `step ${s.step}`).toBe(s.group_count)
    expect(await count(sql`select coalesce(sum(group_count), 0) as n from train_steps`)).toBe(by.trained)
    expect(await count(sql`select count(*) as n from groups where status = 'trained' and trained_step is null`)).toBe(0)

    // every version verifies against its sha256; numbering has no gaps
    const store = new LocalArtifactStore(join(dir, 'artifacts'))
    const versions = await listVersions(database.db)
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i))
    for (const v of versions) expect(await verifyVersion(store, v), `version ${v.version}`).toEqual({ ok: true, problems: [] })

    // checkpoints agree with the log: newest checkpoint + replay === version 0 + replay of every committed step
    const config = resolveLearnConfig({ owner: OWNER, inferenceBucket: { batch: 2, promptLength: 8, cacheLength: 16 }, quiet: true })
    const silent = { step: () => {}, log: () => {} }
    const replays = { checkpoint: 0, scratch: 0 }
    const deps = (ckptDir: string, kind: keyof typeof replays) => ({
      db: database.db,
      store,
      checkpoints: new CheckpointStore(ckptDir),
      base: async () => tinyModel(3),
      train: { lr: 0.001, microBatchSize: 8, threads: 1 },
      progress: silent,
      onPhase: (p: string) => void (p === 'replay' && replays[kind]++),
    })
    const fromCheckpoint = await Learner.open(deps(join(dir, 'checkpoints'), 'checkpoint'), config)
    learners.push(fromCheckpoint)
    const fromScratch = await Learner.open(deps(join(dir, 'fresh-checkpoints'), 'scratch'), config)
    learners.push(fromScratch)
    expect(fromScratch.step).toBe(steps.length)
    expect(fromCheckpoint.step).toBe(steps.length)
    expect(replays.scratch).toBe(steps.length)
    expect(replays.checkpoint).toBeLessThan(3) // the crashed learner's newest checkpoint was used (every 3 steps)
    for (const [k, p] of fromScratch.trainer.params) expect(fromCheckpoint.trainer.params.get(k), k).toEqual(p)
  }, 240_000)
})
