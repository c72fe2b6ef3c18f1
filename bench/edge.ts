/**
 * bench:edge — load on the lease → group round trip (G = 8 completions of 64 tokens with log-probs) over loopback:
 *   1. baseline: the edge on Node (@hono/node-server) with a pooled database
 *   2. the same Worker bundle under `wrangler dev` (workerd, one Postgres client per request)
 * Database: a fresh database on the local Postgres server when one answers (DATABASE_URL / 127.0.0.1:5432), else
 * PGlite (in-process for Node, over pglite-socket for wrangler dev). Each run is `BENCH_SECONDS` (default 8) with
 * `BENCH_CONCURRENCY` (default 16) clients, each looping lease → submit. Prints groups/s and round-trip p50/p99;
 * the last line is the headline: wrangler dev vs the Node baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { startNodeServer } from '../edge/node.js'
import { openDatabase, type OpenDatabase } from '../schema/db.js'
import { migrateDatabase } from '../schema/migrate.js'
import { createKey, createTask, insertPrompts } from '../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../test/helpers/db.js'
import { freePort } from '../test/helpers/net.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const G = 8
const TOKENS = 64
const PROMPTS = 50_000
const ADMIN_KEY = 'ck_admin_bench'

interface RunResult {
  name: string
  groups: number
  errors: number
  seconds: number
  p50: number
  p99: number
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN
}

/** CONCURRENCY clients looping lease → submit for SECONDS against `url`. */
async function load(name: string, url: string, workerKey: string, task: string, seconds = SECONDS): Promise<RunResult> {
  const headers = { authorization: `Bearer ${workerKey}`, 'content-type': 'application/json' }
  const completions = Array.from({ length: G }, (_, k) => ({
    text: k % 2 ? '42' : 'not it',
    tokenIds: Array.from({ length: TOKENS }, (_, t) => (t * 31 + k) % 50_000),
    logprobs: Array.from({ length: TOKENS }, (_, t) => -((t % 7) + 1) / 8),
    finishReason: 'stop',
  }))
  const latencies: number[] = []
  let errors = 0
  const end = performance.now() + seconds * 1000
  const client = async () => {
    while (performance.now() < end) {
      const t0 = performance.now()
      try {
        const l = await fetch(`${url}/v1/leases`, { method: 'POST', headers, body: JSON.stringify({ task }) })
        if (l.status !== 201) throw new Error(`lease ${l.status}: ${await l.text()}`)
        const lease = (await l.json()) as { leaseId: number }
        const s = await fetch(`${url}/v1/leases/${lease.leaseId}/group`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ modelVersion: 0, completions }),
        })
        if (s.status !== 201) throw new Error(`group ${s.status}: ${await s.text()}`)
        await s.arrayBuffer()
        latencies.push(performance.now() - t0)
      } catch (err) {
        if (errors++ === 0) console.error(`  ${name}: first error: ${(err as Error).message}`)
      }
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, client))
  const took = (performance.now() - t0) / 1000
  const r = { name, groups: latencies.length, errors, seconds: took, p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
  console.log(
    `  ${name.padEnd(34)} ${(r.groups / took).toFixed(1).padStart(8)} groups/s   p50 ${r.p50.toFixed(1)} ms   ` +
      `p99 ${r.p99.toFixed(1)} ms   (${r.groups} groups, ${errors} errors, ${took.toFixed(1)} s)`,
  )
  return r
}


/** A migrated database with a task of PROMPTS prompts and a worker key; `tcpUrl` for workerd to reach it. */
async function setup() {
  const serverUrl = await testServerUrl()
  let database: OpenDatabase
  let tcpUrl: string
  let teardown: () => Promise<void>
  if (serverUrl) {
    const created = await createServerDatabase(serverUrl)
    database = await openDatabase({ databaseUrl: created.url, max: CONCURRENCY })
    tcpUrl = created.url
    teardown = async () => {
      await database.close()
      await created.drop()
    }
  } else {
    database = await openDatabase({ dataDir: 'memory://' })
    const port = await freePort()
    const socket = new PGLiteSocketServer({ db: database.pglite!, port, host: '127.0.0.1', maxConnections: 64 })
    await socket.start()
    tcpUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
    teardown = async () => {
      await socket.stop()
      await database.close()
    }
  }
  await migrateDatabase(database)
  const worker = await createKey(database.db, 'worker')
  for (const task of ['node', 'workerd']) {
    const t = (await createTask(database.db, {
      name: task,
      verifier: { type: 'exact' },
      groupSize: G,
      maxNewTokens: TOKENS,
      temperature: 1,
      topP: 1,
      topK: 0,
      leaseSeconds: 600,
    }))!
    await insertPrompts(
      database.db,
      t.id,
      Array.from({ length: PROMPTS }, (_, i) => ({ text: `what is ${i} + 0?`, answer: '42' })),
    )
  }
  return { database, tcpUrl, workerKey: worker.key, kind: serverUrl ? 'postgres' : 'pglite', teardown }
}

async function startWranglerDev(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort()
  const child = spawn(
    'npx',
    [
      'wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port), '--show-interactive-dev-session=false',
      '--var', `DATABASE_URL:${databaseUrl}`, '--var', `COHORT_ADMIN_KEY:${ADMIN_KEY}`,
    ],
    { env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  )
  let log = ''
  child.stdout!.on('data', (d) => (log += d))
  child.stderr!.on('data', (d) => (log += d))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${url}/healthz`)
      if (r.status === 200) return { url, child }
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  process.kill(-child.pid!, 'SIGTERM')
  throw new Error(`wrangler dev did not come up:\n${log.slice(-2000)}`)
}

async function main() {
  const env = await setup()
  console.log(
    `bench:edge — lease → group round trip, G=${G}, ${TOKENS} tokens + log-probs each, ${CONCURRENCY} clients, ` +
      `${SECONDS} s per run, database: ${env.kind}`,
  )
  const node = await startNodeServer({ port: 0, database: env.database, adminKey: ADMIN_KEY })
  // warm-up, then the measured run
  await load('warm-up (node)', node.url, env.workerKey, 'node', 2)
  const nodeResult = await load('node (@hono/node-server, pooled)', node.url, env.workerKey, 'node')
  await node.close()

  const dev = await startWranglerDev(env.tcpUrl)
  let devResult: RunResult
  try {
    await load('warm-up (wrangler dev)', dev.url, env.workerKey, 'workerd', 2)
    devResult = await load('wrangler dev (client per request)', dev.url, env.workerKey, 'workerd')
  } finally {
    process.kill(-dev.child.pid!, 'SIGTERM')
  }
  await env.teardown()
  const rate = (r: RunResult) => r.groups / r.seconds
  console.log(
    `headline: wrangler dev ${rate(devResult).toFixed(1)} groups/s (p50 ${devResult.p50.toFixed(0)} ms, p99 ` +
      `${devResult.p99.toFixed(0)} ms) = ${(rate(devResult) / rate(nodeResult)).toFixed(2)}× the Node baseline ` +
      `${rate(nodeResult).toFixed(1)} groups/s (p50 ${nodeResult.p50.toFixed(0)} ms, p99 ${nodeResult.p99.toFixed(0)} ms), ` +
      `G=${G}, ${env.kind}`,
  )
}

await main()
