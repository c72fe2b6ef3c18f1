/**
 * bench:backpressure — rollout compute wasted on stale groups, with and without backpressure, in one run.
 * Each side: a fresh database on the local Postgres, `cohort serve`, one `cohort rollout --concurrency 4` and
 * `cohort learn` (built-in model, --batch-groups 4 --publish-every 2, default --max-staleness) as separate
 * processes for BENCH_SECONDS (default 70). The task has backpressure on for one side and off for the other.
 * Reported per side: groups trained and stale, the stale fraction in steady state (groups created after the first
 * BENCH_WARMUP seconds, default 20), the share of /v1/stats polls (every second) that found workers held back,
 * and the learner's wait for data (its own data_wait_s: time in iterations that found nothing, or less than a batch,
 * ready), in all and while workers were held back (by the /v1/stats polls within each wait, or the one just before it). Needs a Postgres server; the last line is the headline.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { arithmeticTask } from '../learner/demo/arith.js'
import { openDatabase } from '../schema/db.js'
import { migrateDatabase } from '../schema/migrate.js'
import { createKey, createTask, insertPrompts, staleCounts, stepTimeline } from '../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../test/helpers/db.js'
import { freePort } from '../test/helpers/net.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 70)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20)
const BIN = join(import.meta.dirname, '../cli/bin.mjs')
const ADMIN = 'ck_admin_bp_bench'

function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'ignore' })
}

interface Side {
  trained: number
  stale: number
  steadyStaleFraction: number
  heldBackShare: number
  learnerWaitS: number
  learnerWaitWhileHeldS: number
  steps: number
}

async function side(backpressure: boolean): Promise<Side> {
  const created = await createServerDatabase((await testServerUrl())!)
  const database = await openDatabase({ databaseUrl: created.url, max: 2 })
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bp-'))
  const procs: ChildProcess[] = []
  try {
    await migrateDatabase(database)
    const { db } = database
    const task = (await createTask(db, {
      name: 'arith', verifier: { type: 'exact' }, groupSize: 4, maxNewTokens: 8, temperature: 1, topP: 1, topK: 0,
      leaseSeconds: 60, backpressure,
    }))!
    const { train } = arithmeticTask({ train: 2000, heldOut: 0, seed: 5 })
    await insertPrompts(db, task.id, train.map((t) => ({ text: t.prompt, answer: t.answer })))
    const worker = await createKey(db, 'worker', 'bench')
    const port = await freePort()
    const edge = `http://127.0.0.1:${port}`
    const env = { DATABASE_URL: created.url, COHORT_ADMIN_KEY: ADMIN }
    procs.push(start(['serve', '--port', String(port)], env))
    procs.push(start(['learn', '--dir', join(dir, 'learner'), '--owner', 'bench', '--batch-groups', '4', '--publish-every', '2', '--quiet'], env))
    procs.push(start(['rollout', '--task', 'arith', '--edge', edge, '--key', worker.key, '--concurrency', '4',
      '--cache-dir', join(dir, 'cache'), '--quiet'], env))
    const t0 = Date.now()
    const held: { at: number; held: boolean }[] = []
    while (Date.now() - t0 < SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 1000))
      try {
        const s = (await (await fetch(`${edge}/v1/stats?task=arith`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
          ingest: { heldBack: boolean }
        }
        held.push({ at: Date.now(), held: s.ingest.heldBack })
      } catch {
        /* edge starting */
      }
    }
    for (const p of procs) p.kill('SIGKILL')
    const g = await staleCounts(db, new Date(t0 + WARMUP * 1000))
    const steps = await stepTimeline(db)
    // the learner's own account of its waits for data (data_wait_s: idle or waiting iterations before each step), not
    // the gaps between steps (those also hold publishing and checkpointing: a busy learner, not a starved one)
    let wait = 0
    let waitHeld = 0
    for (const s of steps) {
      if (s.dataWaitSeconds <= 0) continue
      wait += s.dataWaitSeconds
      // the wait ended when the step began; it counts as held back by the polls within it, or the last poll before it
      const to = s.endedAt.getTime() - s.stepSeconds * 1000
      const from = to - s.dataWaitSeconds * 1000
      const within = held.filter((h) => h.at > from && h.at <= to)
      const before = held.filter((h) => h.at <= from).at(-1)
      const polls = within.length ? within : before && from - before.at < 1500 ? [before] : []
      if (polls.length) waitHeld += (s.dataWaitSeconds * polls.filter((h) => h.held).length) / polls.length
    }
    const sTrained = g.steadyTrained
    const sStale = g.steadyStale
    return {
      trained: g.trained,
      stale: g.stale,
      steadyStaleFraction: sTrained + sStale ? sStale / (sTrained + sStale) : NaN,
      heldBackShare: held.length ? held.filter((h) => h.held).length / held.length : NaN,
      learnerWaitS: wait,
      learnerWaitWhileHeldS: waitHeld,
      steps: steps.length,
    }
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL')
    await database.close()
    await created.drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`
console.log(`bench:backpressure — serve + rollout --concurrency 4 + learn --batch-groups 4 --publish-every 2, ${SECONDS} s per side; load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`)
const result: Record<string, Side> = {}
for (const on of [false, true]) {
  const s = (result[on ? 'on' : 'off'] = await side(on))
  console.log(
    `  backpressure ${on ? 'on ' : 'off'}: ${s.steps} steps, ${s.trained} groups trained, ${s.stale} stale; steady-state stale ${pct(s.steadyStaleFraction)}; ` +
      `workers held back in ${pct(s.heldBackShare)} of polls; learner waited ${s.learnerWaitS.toFixed(1)} s (${s.learnerWaitWhileHeldS.toFixed(1)} s while workers were held back)`,
  )
}
console.log(
  `headline: stale fraction (steady state) ${pct(result.on.steadyStaleFraction)} with backpressure vs ${pct(result.off.steadyStaleFraction)} without; ` +
    `learner waited ${result.on.learnerWaitWhileHeldS.toFixed(1)} s while workers were held back`,
)
