/**
 * bench:scale-out — the two HTTP paths of "Scale out", with `cohort serve` (Node) in its own process on the local
 * Postgres and the clients in this process:
 *   batches T×B     T trainers loop POST /v1/batches {groups: B} → POST /v1/batches/{id}/complete until N ready
 *                   groups are drained: groups served per second (claimed, sent with their completions, trained)
 *   floor T×B       the same claim → load → complete through the query functions (openBatch, loadGroups,
 *                   completeBatch) on a bare postgres.js pool: no HTTP, auth or JSON — the database's share
 *   atropos C×1     C environments loop POST /atropos/scored_data for BENCH_SECONDS: groups stored per second
 *   floor C×1       storeAtroposGroups of the same groups on a bare pool (no HTTP, auth, validation)
 * Groups are G = 8 sequences × 256 tokens with token ids and log-probs (bench/edge/shape.ts); Atropos sequences
 * carry 64 prompt tokens in front (masked −100) and inference log-probs. Each scenario runs BENCH_REPS times
 * (default 3); the table gives the median and [min–max]; latency is one client loop; server CPU per group is the
 * server process tree's utime + stime (/proc) over the run. The last line is the headline.
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { openDatabase } from '../schema/db.js'
import { migrateDatabase } from '../schema/migrate.js'
import { connectPostgres, type Db } from '../schema/pg.js'
import {
  completeBatch,
  createKey,
  createTask,
  insertPrompts,
  leasePrompts,
  loadGroups,
  openBatch,
  storeAtroposGroups,
  storeGroups,
  type NewAtroposGroup,
} from '../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../test/helpers/db.js'
import { freePort } from '../test/helpers/net.js'
import { treeCpuMs } from './edge/cpu.js'
import { startServer, stopServer } from './edge/server.js'
import { ADMIN_KEY, benchCompletions, G, TOKENS } from './edge/shape.js'
import { formatSpread, median, percentile } from './stats.js'

const REPS = Number(process.env.BENCH_REPS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
/** ready groups drained per /v1/batches run */
const GROUPS = Number(process.env.BENCH_GROUPS ?? 1200)
const TRAINERS = 4
const BATCH = 16
const ENVS = 16
const PROMPT_TOKENS = 64

interface Run {
  groupsPerS: number
  p50: number
  p99: number
  cpuMsPerGroup: number
  errors: number
}

const fmt = formatSpread
function row(name: string, runs: Run[]) {
  const k = (key: keyof Run) => runs.map((r) => r[key])
  return (
    `  ${name.padEnd(16)} ${fmt(k('groupsPerS'), 0).padStart(18)} groups/s  p50 ${fmt(k('p50'), 1).padStart(20)} ms` +
    `  p99 ${fmt(k('p99'), 1).padStart(20)} ms  server CPU ${fmt(k('cpuMsPerGroup'), 2).padStart(18)} ms/group` +
    `  errors ${k('errors').reduce((a, b) => a + b, 0)}`
  )
}

/** Run `loops` concurrent client loops; each returns how many groups one iteration handled (0: done). */
async function measure(loops: number, iteration: () => Promise<number>, o: { until?: number; serverPid?: number }): Promise<Run> {
  const cpu0 = o.serverPid ? treeCpuMs(o.serverPid) : 0
  const lat: number[] = []
  let groups = 0
  let errors = 0
  let firstError = ''
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (;;) {
        if (o.until !== undefined && performance.now() > o.until) return
        const s = performance.now()
        try {
          const n = await iteration()
          if (n === 0) return
          groups += n
          lat.push(performance.now() - s)
        } catch (err) {
          errors++
          firstError ||= (err as Error).message
          if (errors > 100) return
        }
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  if (firstError) console.error(`    first error: ${firstError.slice(0, 300)}`)
  lat.sort((a, b) => a - b)
  const cpu = o.serverPid ? treeCpuMs(o.serverPid) - cpu0 : NaN
  return { groupsPerS: groups / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), cpuMsPerGroup: cpu / groups, errors }
}

/** Store `n` ready groups of `taskId` (seeding, not measured). */
async function seedReady(db: Db, taskId: number, workerKeyId: number, n: number) {
  const completions = benchCompletions().map((c, i) => ({ ...c, reward: i % 2, details: {} }))
  for (let done = 0; done < n; ) {
    const leases = await leasePrompts(db, { taskId, workerKeyId, leaseSeconds: 600, count: Math.min(64, n - done) })
    await storeGroups(db, workerKeyId, leases.map((l) => ({
      leaseId: l.leaseId, bodyHash: `seed-${l.leaseId}`, policyVersion: 0, status: 'ready' as const, rewardMean: 0.5, rewardStd: 0.53, completions,
    })))
    done += leases.length
  }
}

/** One Atropos ScoredData group: 64 masked prompt tokens + the 256 completion tokens of each sequence. */
function scoredData(envId: number) {
  const prompt = Array.from({ length: PROMPT_TOKENS }, (_, i) => 1000 + i)
  const cs = benchCompletions(2)
  return {
    tokens: cs.map((c) => [...prompt, ...c.tokenIds]),
    masks: cs.map((c) => [...prompt.map(() => -100), ...c.tokenIds]),
    scores: cs.map((_, i) => (i % 2 ? 1 : -1)),
    inference_logprobs: cs.map((c) => [...prompt.map(() => 1), ...c.logprobs]),
    env_id: envId,
  }
}

async function main() {
  const serverUrl = await testServerUrl()
  if (!serverUrl) throw new Error('bench:scale-out needs a Postgres server (DATABASE_URL or 127.0.0.1:5432)')
  const created = await createServerDatabase(serverUrl)
  const database = await openDatabase({ databaseUrl: created.url, max: 4 })
  const pool = connectPostgres(created.url, { max: 8 })
  let server: ChildProcess | undefined
  try {
    await migrateDatabase(database)
    const { db } = database
    const worker = await createKey(db, 'worker')
    const learner = await createKey(db, 'learner')
    const task = (await createTask(db, { name: 'bench', verifier: { type: 'exact' }, groupSize: G, maxNewTokens: TOKENS, temperature: 1, topP: 1, topK: 0, leaseSeconds: 600 }))!
    await insertPrompts(db, task.id, Array.from({ length: GROUPS * (2 * REPS + 1) }, (_, i) => ({ text: `what is ${i} + 0?`, answer: String(i) })))
    console.log(
      `bench:scale-out — G=${G} × ${TOKENS} tokens with log-probs, local Postgres, server: cohort serve (Node) in its own process; ` +
        `${REPS} runs each, median [min–max]; load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
    )

    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    server = await startServer(process.execPath, ['--import', 'tsx', 'cli/run.ts', 'serve', '--port', String(port)], { DATABASE_URL: created.url, COHORT_ADMIN_KEY: ADMIN_KEY }, url)
    const post = (path: string, key: string, body: string) =>
      fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body })

    // ── /v1/batches: trainers drain the queue ──
    let step = 0
    const httpTrainer = async () => {
      const res = await post('/v1/batches', learner.key, JSON.stringify({ groups: BATCH, task: 'bench' }))
      if (res.status === 204) return 0
      if (res.status !== 201) throw new Error(`claim ${res.status}: ${await res.text()}`)
      const b = (await res.json()) as { id: number; groups: unknown[] }
      const done = await post(`/v1/batches/${b.id}/complete`, learner.key, JSON.stringify({ step: ++step, metrics: { loss: 0 } }))
      if (done.status !== 200) throw new Error(`complete ${done.status}: ${await done.text()}`)
      await done.arrayBuffer()
      return b.groups.length
    }
    const floorTrainer = async () => {
      const opened = await openBatch(pool.db, { keyId: learner.id, limit: BATCH, claimTtlMs: 120_000, taskId: task.id })
      if (!opened) return 0
      const groups = await loadGroups(pool.db, opened.batch.groupIds, { text: true })
      JSON.stringify(groups) // what the edge would send
      const out = await completeBatch(pool.db, opened.batch.id, { step: ++step, metrics: { loss: 0 } })
      if (out.kind !== 'ok') throw new Error(`complete: ${out.kind}`)
      return groups.length
    }
    const batchRuns: Run[] = []
    const floorBatchRuns: Run[] = []
    for (let r = 0; r < REPS; r++) {
      await seedReady(db, task.id, worker.id, GROUPS)
      batchRuns.push(await measure(TRAINERS, httpTrainer, { serverPid: server.pid }))
      await seedReady(db, task.id, worker.id, GROUPS)
      floorBatchRuns.push(await measure(TRAINERS, floorTrainer, {}))
    }
    console.log(row(`batches ${TRAINERS}×${BATCH}`, batchRuns))
    console.log(row(`floor ${TRAINERS}×${BATCH}`, floorBatchRuns))

    // ── /atropos/scored_data: environments push scored groups ──
    await post('/atropos/register', learner.key, JSON.stringify({ wandb_group: 'bench', wandb_project: 'bench', batch_size: G * BATCH, max_token_len: 512, checkpoint_dir: '', save_checkpoint_interval: 0, starting_step: 0, num_steps: 1 }))
    await fetch(`${url}/atropos/batch`, { headers: { authorization: `Bearer ${learner.key}` } })
    const env = (await (await post('/atropos/register-env', worker.key, JSON.stringify({ max_token_length: 512, desired_name: 'bench', weight: 1, group_size: G }))).json()) as { env_id: number }
    const body = JSON.stringify(scoredData(env.env_id))
    const httpEnv = async () => {
      const res = await post('/atropos/scored_data', worker.key, body)
      if (res.status !== 200) throw new Error(`scored_data ${res.status}: ${await res.text()}`)
      await res.arrayBuffer()
      return 1
    }
    const d = scoredData(env.env_id)
    const atroposTask = (await db.query.tasks.findFirst({ where: (t, { eq }) => eq(t.name, 'atropos/bench') }))!
    const group: NewAtroposGroup = {
      taskId: atroposTask.id, policyVersion: 0, rewardMean: 0, rewardStd: 1, extra: { env_id: env.env_id },
      sequences: d.tokens.map((tokens, i) => ({ tokens, masks: d.masks[i], score: d.scores[i], text: '', logprobs: d.inference_logprobs[i], extra: {} })),
    }
    const floorEnv = async () => {
      await storeAtroposGroups(pool.db, [group])
      return 1
    }
    const atroposRuns: Run[] = []
    const floorAtroposRuns: Run[] = []
    for (let r = 0; r < REPS; r++) {
      atroposRuns.push(await measure(ENVS, httpEnv, { until: performance.now() + SECONDS * 1000, serverPid: server.pid }))
      floorAtroposRuns.push(await measure(ENVS, floorEnv, { until: performance.now() + SECONDS * 1000 }))
    }
    console.log(row(`atropos ${ENVS}×1`, atroposRuns))
    console.log(row(`floor ${ENVS}×1`, floorAtroposRuns))

    const m = (runs: Run[]) => median(runs.map((r) => r.groupsPerS))
    console.log(
      `headline: /v1/batches serves ${m(batchRuns).toFixed(0)} groups/s to ${TRAINERS} trainers (${(m(batchRuns) / m(floorBatchRuns)).toFixed(2)}× the bare-SQL floor); ` +
        `/atropos/scored_data stores ${m(atroposRuns).toFixed(0)} groups/s from ${ENVS} environments (${(m(atroposRuns) / m(floorAtroposRuns)).toFixed(2)}× floor)`,
    )
  } finally {
    if (server) await stopServer(server)
    await pool.close()
    await database.close()
    await created.drop()
  }
}

await main()
