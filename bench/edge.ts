/**
 * bench:edge — ingest throughput, latency and server CPU of the edge, with the server in its own process and the
 * load generators in others (G = 8 completions × 256 tokens with token ids and log-probs; bench/edge/shape.ts).
 *   node 16×1      `cohort serve` (Node) on the local Postgres, 16 clients, lease → submit one group per request
 *   node 64×B      64 clients on the batch endpoints: POST /v1/leases {count: B} → POST /v1/groups (B groups)
 *   floor 64×B     the same rows in the same statements (leasePrompts, storeGroups) on a bare postgres.js pool:
 *                  no HTTP, auth, validation or verification — the database's share, the floor we compare with;
 *                  concurrent leases combined into one statement as the edge combines them (in each of the two load
 *                  processes; BENCH_FLOOR_LEASES=each: every client leases on its own, the floor's shape before)
 *   wrangler 16×1  the Worker bundle under `wrangler dev` (workerd, one Postgres client per request)
 *   wrangler 64×B  the same with the batch endpoints
 * B = BENCH_BATCH (default 16). Token ids / log-probs travel as base64 of their packed bytes, as the typed client
 * sends them (BENCH_WIRE=arrays: JSON arrays). The load generators speak HTTP/1.1 over one keep-alive socket per
 * client, each request written as one string, a batch's body as pieces that share one group's bytes (no ~480 KB
 * string per request) (bench/edge/raw-http.ts: the least CPU on the cores the server shares;
 * BENCH_CLIENT=http: node:http's client, BENCH_CLIENT=fetch: Node's fetch, each more CPU per request). Every
 * request still carries a real group for its own lease (a distinct lease, stored as its own rows). BENCH_ONLY=node16,node64,floor,wrangler16,wrangler64 runs a subset
 * (e.g. BENCH_ONLY=node16 BENCH_CPU_PROF=dir profiles the one-group path alone). Latency (p50/p99) is a client's whole loop: lease + submit
 * (each request's own p50/p99 beside it).
 * Each scenario runs BENCH_REPS times (default 3) for BENCH_SECONDS (default 5); the table gives the median and
 * [min–max]. Server CPU per group is the server process tree's own utime + stime (/proc) over a run divided by the
 * groups it stored; beside it the CPU of the bench database's Postgres backends (under wrangler dev, a connection per
 * request: the backends that exited during the run, from the postmaster's reaped-children time) and of the load generators, per
 * group (all three share this machine's cores, so their sum bounds throughput). BENCH_CPU_PROF=<dir> runs the Node server under --cpu-prof and prints its hottest functions.
 * Needs a Postgres server (DATABASE_URL or 127.0.0.1:5432); the last line is the headline.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { openDatabase } from '../schema/db.js'
import { migrateDatabase } from '../schema/migrate.js'
import { setSynchronousCommit } from '../schema/admin.js'
import { backendPids, createKey, createTask, insertPrompts } from '../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../test/helpers/db.js'
import { freePort } from '../test/helpers/net.js'
import { parentPid, reapedChildrenMs, treeCpu, treeCpuMs } from './edge/cpu.js'
import type { LoadJob, LoadResult } from './edge/load.js'
import { mainProfile, summariseProfile } from './edge/profile.js'
import { startServer, stopServer } from './edge/server.js'
import { ADMIN_KEY, G, TOKENS } from './edge/shape.js'
import { formatSpread, median, percentile } from './stats.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const REPS = Number(process.env.BENCH_REPS ?? 3)
const BATCH = Number(process.env.BENCH_BATCH ?? 16)
const PROMPTS = 20_000
/** The floor's connections in all (BENCH_FLOOR_POOL; default 10, the edge's pool on Node) */
const FLOOR_POOL = Number(process.env.BENCH_FLOOR_POOL ?? 10)
const CPU_PROF = process.env.BENCH_CPU_PROF
const WIRE = process.env.BENCH_WIRE === 'arrays' ? 'arrays' : 'base64'
const CLIENT = process.env.BENCH_CLIENT === 'fetch' ? 'fetch' : process.env.BENCH_CLIENT === 'http' ? 'http' : 'raw'
/** BENCH_SERVER_FLAGS: extra node flags for the Node server (e.g. an A/B of a V8 flag), space-separated */
const SERVER_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean)
const ONLY = new Set((process.env.BENCH_ONLY ?? 'node16,node64,floor,wrangler16,wrangler64').split(','))

export interface Run {
  groupsPerS: number
  p50: number
  p99: number
  cpuMsPerGroup: number
  /** of which in the kernel (stime: sockets, including loopback delivery) */
  sysMsPerGroup: number
  /** the loop's two requests on their own (HTTP modes): lease, then submit */
  leaseP50: number
  leaseP99: number
  submitP50: number
  submitP99: number
  errors: number
  /** Postgres: CPU of the bench database's backends per group (ms; the WAL writer and other shared processes not
   * counted; under wrangler dev, whose backends live one request each, those that exited during the run) */
  pgMsPerGroup: number
  /** the load generators' own CPU per group (ms) */
  loadMsPerGroup: number
}


/** The bench database's Postgres backends (same machine: their CPU is read from /proc). */
let pgBackends: () => Promise<number[]> = async () => []
/** The postmaster: backends that exit are its children, their CPU then counted in its cutime / cstime. */
let postmaster: number | null = null
async function pgCpu(): Promise<Map<number, number>> {
  return new Map((await pgBackends()).map((pid) => [pid, treeCpuMs(pid)]))
}
/** CPU ms the backends used between two readings (a backend that connected meanwhile: all of its time). */
function pgUsed(a: Map<number, number>, b: Map<number, number>) {
  let ms = 0
  for (const [pid, t] of b) ms += t - (a.get(pid) ?? 0)
  return ms
}

/**
 * Run `job` split over `loaders` processes; server CPU is read around it when `serverPid` is given. `shortLived`:
 * the server opens a Postgres connection per request (workerd), so its backends are counted when they exit, from
 * the postmaster's reaped-children time (any database's backends that exited meanwhile: run it on an idle machine).
 */
async function runLoad(job: LoadJob, loaders: number, serverPid?: number, shortLived = false): Promise<Run> {
  const reaped0 = shortLived && postmaster ? reapedChildrenMs(postmaster) : 0
  const pg0 = await pgCpu()
  const cpu0 = serverPid ? treeCpu(serverPid) : undefined
  const per = Math.ceil(job.clients / loaders)
  const results = await Promise.all(
    Array.from({ length: loaders }, (_, i) =>
      loadProcess({ ...job, clients: Math.min(per, job.clients - i * per) }),
    ),
  )
  const cpu1 = serverPid ? treeCpu(serverPid) : undefined
  // backends that exited meanwhile (a load process's pool closing) are read before it ends: see loadProcess
  const pg1 = await pgCpu()
  const reaped = shortLived && postmaster ? reapedChildrenMs(postmaster) - reaped0 : 0
  for (const r of results) for (const [pid, ms] of Object.entries(r.pgAtEnd ?? {})) if (!pg1.has(Number(pid))) pg1.set(Number(pid), ms)
  const cpu = cpu0 && cpu1 ? cpu1.user + cpu1.sys - cpu0.user - cpu0.sys : NaN
  const sys = cpu0 && cpu1 ? cpu1.sys - cpu0.sys : NaN
  const groups = results.reduce((n, r) => n + r.groups, 0)
  const errors = results.reduce((n, r) => n + r.errors, 0)
  const first = results.find((r) => r.firstError)?.firstError
  if (first) console.error(`    first error: ${first.slice(0, 300)}`)
  const seconds = Math.max(...results.map((r) => r.seconds))
  const sorted = (k: 'latencies' | 'leaseLatencies' | 'submitLatencies') => results.flatMap((r) => r[k]).sort((a, b) => a - b)
  const lat = sorted('latencies')
  const [lease, submit] = [sorted('leaseLatencies'), sorted('submitLatencies')]
  return { groupsPerS: groups / seconds, p50: percentile(lat, 50), p99: percentile(lat, 99), cpuMsPerGroup: cpu / groups, sysMsPerGroup: sys / groups, errors,
    leaseP50: percentile(lease, 50), leaseP99: percentile(lease, 99), submitP50: percentile(submit, 50), submitP99: percentile(submit, 99),
    pgMsPerGroup: (pgUsed(pg0, pg1) + reaped) / groups, loadMsPerGroup: results.reduce((n, r) => n + r.cpuMs, 0) / groups }
}

function loadProcess(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/edge/load.ts'], {
      env: { ...process.env, BENCH_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`load process exited with ${code}`)
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult)
      } catch (err) {
        reject(err)
      }
    })
  })
}

export interface Scenario {
  name: string
  runs: Run[]
}

async function scenario(name: string, job: LoadJob, loaders: number, serverPid?: number, shortLived = false): Promise<Scenario> {
  const runs: Run[] = []
  for (let i = 0; i < REPS; i++) runs.push(await runLoad(job, loaders, serverPid, shortLived))
  const s = { name, runs }
  console.log(row(s))
  return s
}

const fmt = formatSpread
const pick = (s: Scenario, k: keyof Run) => s.runs.map((r) => r[k])
function row(s: Scenario) {
  return (
    `  ${s.name.padEnd(14)} ${fmt(pick(s, 'groupsPerS'), 0).padStart(18)} groups/s  p50 ${fmt(pick(s, 'p50'), 1).padStart(20)} ms` +
    `  p99 ${fmt(pick(s, 'p99'), 1).padStart(20)} ms  server CPU ${fmt(pick(s, 'cpuMsPerGroup'), 2).padStart(20)} ms/group` +
    ` (sys ${fmt(pick(s, 'sysMsPerGroup'), 2)})  postgres ${fmt(pick(s, 'pgMsPerGroup'), 2)}  load gen ${fmt(pick(s, 'loadMsPerGroup'), 2)} ms/group` +
    `  errors ${pick(s, 'errors').reduce((a, b) => a + b, 0)}` +
    (Number.isFinite(s.runs[0].leaseP50)
      ? `\n  ${''.padEnd(14)} of which lease p50 ${fmt(pick(s, 'leaseP50'), 1)} p99 ${fmt(pick(s, 'leaseP99'), 1)} ms, ` +
        `submit p50 ${fmt(pick(s, 'submitP50'), 1)} p99 ${fmt(pick(s, 'submitP99'), 1)} ms`
      : '')
  )
}

async function main() {
  const serverUrl = await testServerUrl()
  if (!serverUrl) throw new Error('bench:edge needs a Postgres server (DATABASE_URL or 127.0.0.1:5432)')
  const created = await createServerDatabase(serverUrl)
  const database = await openDatabase({ databaseUrl: created.url, max: 4 })
  const children: ChildProcess[] = []
  try {
    await migrateDatabase(database)
    // BENCH_ASYNC_COMMIT=1: the bench database commits without waiting for the WAL flush — for comparison only (a
    // 201'd group could be lost in a crash, which the edge must never do); it says what fsync waits cost
    if (process.env.BENCH_ASYNC_COMMIT === '1') await setSynchronousCommit(serverUrl, new URL(created.url).pathname.slice(1), false)
    pgBackends = () => backendPids(database.db, { self: false })
    postmaster = parentPid((await backendPids(database.db))[0])
    const worker = await createKey(database.db, 'worker')
    const taskIds: Record<string, number> = {}
    for (const task of ['node', 'floor', 'workerd']) {
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
      taskIds[task] = t.id
      await insertPrompts(database.db, t.id, Array.from({ length: PROMPTS }, (_, i) => ({ text: `what is ${i} + 0?`, answer: '42' })))
    }
    console.log(
      `bench:edge — G=${G} × ${TOKENS} tokens with log-probs (${WIRE}, client ${CLIENT}${process.env.BENCH_ASYNC_COMMIT === '1' ? ', synchronous_commit OFF: comparison only' : ''}), ${REPS} × ${SECONDS} s per scenario, local Postgres; ` +
        `median [min–max]; load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
    )

    let n16: Scenario | undefined, n64: Scenario | undefined, floor: Scenario | undefined
    let w16: Scenario | undefined, w64: Scenario | undefined
    if (ONLY.has('node16') || ONLY.has('node64')) {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const node = await startServer(
        process.execPath,
        [...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []), ...SERVER_FLAGS, '--import', 'tsx', 'cli/run.ts', 'serve', '--port', String(port)],
        { DATABASE_URL: created.url, COHORT_ADMIN_KEY: ADMIN_KEY },
        url,
      )
      children.push(node)
      const http = { url, key: worker.key, task: 'node', seconds: SECONDS, wire: WIRE, client: CLIENT } as const
      await runLoad({ ...http, mode: 'single', clients: 16, seconds: 2 }, 1) // warm-up
      if (ONLY.has('node16')) n16 = await scenario('node 16×1', { ...http, mode: 'single', clients: 16 }, 1, node.pid)
      if (ONLY.has('node64')) n64 = await scenario(`node 64×${BATCH}`, { ...http, mode: 'batch', clients: 64, batch: BATCH }, 2, node.pid)
      await stopServer(node)
      const prof = CPU_PROF && mainProfile(CPU_PROF)
      if (prof) console.log(summariseProfile(prof).map((l) => `  ${l}`).join('\n'))
    }

    if (ONLY.has('floor'))
      floor = await scenario(
        `floor 64×${BATCH}`,
        // the server's pool: 10 connections (connectPostgres' default), 5 in each of the 2 load processes; with one
        // per client (64) the statements contend on Postgres' locks and the floor measured slower than the edge
        { mode: 'floor', clients: 64, batch: BATCH, seconds: SECONDS, task: 'floor', databaseUrl: created.url, taskId: taskIds.floor, workerKeyId: worker.id,
          poolMax: FLOOR_POOL / 2, floorLeases: process.env.BENCH_FLOOR_LEASES === 'each' ? 'each' : 'coalesced' },
        2,
      )

    if (ONLY.has('wrangler16') || ONLY.has('wrangler64')) {
      const devPort = await freePort()
      const devUrl = `http://127.0.0.1:${devPort}`
      const dev = await startServer(
        'npx',
        ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(devPort), '--show-interactive-dev-session=false',
          '--var', `DATABASE_URL:${created.url}`, '--var', `COHORT_ADMIN_KEY:${ADMIN_KEY}`],
        { WRANGLER_SEND_METRICS: 'false' },
        devUrl,
      )
      children.push(dev)
      const devJob = { url: devUrl, key: worker.key, task: 'workerd', seconds: SECONDS, wire: WIRE, client: CLIENT } as const
      await runLoad({ ...devJob, mode: 'single', clients: 16, seconds: 2 }, 1)
      if (ONLY.has('wrangler16')) w16 = await scenario('wrangler 16×1', { ...devJob, mode: 'single', clients: 16 }, 1, dev.pid, true)
      if (ONLY.has('wrangler64')) w64 = await scenario(`wrangler 64×${BATCH}`, { ...devJob, mode: 'batch', clients: 64, batch: BATCH }, 2, dev.pid, true)
      await stopServer(dev)
    }

    // BENCH_JSON=<file>: every run of every scenario as JSON (bench/edge-ab.ts reads it)
    if (process.env.BENCH_JSON)
      writeFileSync(process.env.BENCH_JSON, JSON.stringify({ load: readFileSync('/proc/loadavg', 'utf8').trim(), scenarios: [n16, n64, floor, w16, w64].filter((x) => x) }))
    const m = (s: Scenario | undefined, k: keyof Run) => (s ? median(pick(s, k)) : NaN)
    const f = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '—')
    console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`)
    console.log(
      `headline: node ${f(m(n64, 'groupsPerS'))} groups/s at 64 clients × ${BATCH}-group batches (${f(m(n64, 'cpuMsPerGroup'), 2)} ms server CPU/group) ` +
        `= ${f(m(n64, 'groupsPerS') / m(floor, 'groupsPerS'), 2)}× the floor ${f(m(floor, 'groupsPerS'))} groups/s; ` +
        `p99 ${f(m(n16, 'p99'))} ms at 16 clients × 1 group (${f(m(n16, 'cpuMsPerGroup'), 2)} ms CPU/group); ` +
        `wrangler dev ${f(m(w64, 'groupsPerS'))} groups/s batched (${f(m(w64, 'cpuMsPerGroup'), 2)} ms CPU/group), ` +
        `p99 ${f(m(w16, 'p99'))} ms at 16 × 1`,
    )
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid!, 'SIGKILL')
    await database.close()
    await created.drop()
  }
}

await main()
