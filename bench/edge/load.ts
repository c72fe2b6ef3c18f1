/**
 * One load-generator process of bench:edge. Reads its job from the BENCH_JOB env (JSON), runs `clients` loops for
 * `seconds` and prints one JSON line: { groups, errors, seconds, latencies (ms per loop iteration), and the lease
 * and submit requests' own latencies (HTTP modes: where a loop's time goes) }.
 *   mode "single"  each loop: POST /v1/leases → POST /v1/leases/{id}/group (one group per request)
 *   mode "batch"   each loop: POST /v1/leases {count: batch} → POST /v1/groups with those leases' groups
 *   mode "floor"   the same rows through the query functions on a bare postgres.js pool (leasePrompts with
 *                  `batch`, storeGroups with the arrays packed once up front and the verifier's verdict — rewards,
 *                  details, status — computed once up front, so the rows are the ones the edge stores): no HTTP,
 *                  no auth, no validation, no verification; concurrent leases combined into one leasePrompts as the
 *                  edge combines concurrent POST /v1/leases (job.floorLeases "each": one client at a time)
 * `wire` says how token ids / log-probs travel: "base64" of the packed bytes (what the typed client sends) or
 * JSON "arrays".
 */
import { Agent, request } from 'node:http'
import { RawHttp, wholeBody, type Body, type Reply } from './raw-http.js'
import { packFloat32, packInt32, toBase64 } from '../../common/packed.js'
import { scoreGroup } from '../../edge/routes/verify/score.js'
import { connectPostgres } from '../../schema/pg.js'
import { backendPids, leasePrompts, storeGroups, type TakenLease } from '../../schema/queries/index.js'
import { coalescer } from '../../edge/routes/leases/coalesce.js'
import { treeCpuMs } from './cpu.js'
import { benchCompletions } from './shape.js'

export interface LoadJob {
  mode: 'single' | 'batch' | 'floor'
  clients: number
  /** groups per loop iteration (batch and floor modes) */
  batch?: number
  seconds: number
  /**
   * the load generator's HTTP client: "raw" (default) one keep-alive connection per client over a plain socket
   * (raw-http.ts), the least CPU on the cores the server shares; "http" node:http with keep-alive sockets;
   * "fetch" Node's fetch (undici), ~2× node:http's CPU per request
   */
  client?: 'raw' | 'http' | 'fetch'
  /** how token ids / log-probs are sent (HTTP modes; default base64) */
  wire?: 'base64' | 'arrays'
  /** edge URL (HTTP modes) */
  url?: string
  key?: string
  task: string
  /** floor: database URL, task id and worker key id */
  databaseUrl?: string
  taskId?: number
  workerKeyId?: number
  /** floor: connections of this process's pool (default: one per client) */
  poolMax?: number
  /** floor: "coalesced" (default) concurrent leases as one statement, as the edge does; "each" one client at a time */
  floorLeases?: 'coalesced' | 'each'
}

export interface LoadResult {
  groups: number
  errors: number
  seconds: number
  latencies: number[]
  leaseLatencies: number[]
  submitLatencies: number[]
  /** this load process's own CPU time over the run (user + system, ms) */
  cpuMs: number
  /** floor: CPU ms of the database's backends just before this process closes its pool (pid → ms) */
  pgAtEnd?: Record<number, number>
  firstError?: string
}

const job = JSON.parse(process.env.BENCH_JOB ?? '{}') as LoadJob
const completions = benchCompletions()
const wireCompletions =
  job.wire === 'arrays'
    ? completions
    : completions.map((c) => ({ ...c, tokenIds: toBase64(packInt32(c.tokenIds)), logprobs: toBase64(packFloat32(c.logprobs)) }))
/** The verdict the edge stores for these completions (bench tasks: exact verifier, every answer "42"). */
const verdict = await scoreGroup(
  {
    task: { name: job.task, verifier: { type: 'exact' } },
    prompt: { text: '', answer: '42' },
    completions: completions.map((c) => ({ text: c.text, tokenCount: c.tokenIds.length, ratings: [] })),
  },
  [],
)
const packedCompletions = completions.map((c, i) => ({
  ...c,
  tokenIds: packInt32(c.tokenIds),
  logprobs: packFloat32(c.logprobs),
  reward: verdict.rewards[i],
  details: verdict.details[i],
}))
const latencies: number[] = []
const leaseLatencies: number[] = []
const submitLatencies: number[] = []
let groups = 0
let errors = 0
let firstError: string | undefined
const fail = (err: unknown) => {
  errors++
  firstError ??= (err as Error).message
}

const agent = new Agent({ keepAlive: true, maxSockets: Math.max(job.clients, 1) })
const headers = { authorization: `Bearer ${job.key}`, 'content-type': 'application/json' }
const raws: RawHttp[] = []
/** One client's POST: its own raw connection, or node:http / fetch. */
function poster(): (path: string, body: Body) => Promise<Reply> {
  if (job.client === 'http' || job.client === 'fetch') return (path, body) => post(path, body)
  const raw = new RawHttp(job.url!, headers)
  raws.push(raw)
  return (path, body) => raw.post(path, body)
}
/** POST `body` to `path` (node:http over keep-alive sockets, or fetch). */
function post(path: string, pieces: Body): Promise<Reply> {
  const body = wholeBody(pieces)
  if (job.client === 'fetch')
    return fetch(`${job.url}${path}`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, text: await r.text() }))
  return new Promise((resolve, reject) => {
    const req = request(`${job.url}${path}`, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function httpLoop(end: number) {
  const post = poster()
  const leaseBody = JSON.stringify({ task: job.task })
  const groupBody = JSON.stringify({ modelVersion: 0, completions: wireCompletions })
  while (performance.now() < end) {
    const t0 = performance.now()
    try {
      const l = await post('/v1/leases', leaseBody)
      if (l.status !== 201) throw new Error(`lease ${l.status}: ${l.text}`)
      const { leaseId } = JSON.parse(l.text) as { leaseId: number }
      const t1 = performance.now()
      const s = await post(`/v1/leases/${leaseId}/group`, groupBody)
      if (s.status !== 201) throw new Error(`group ${s.status}: ${s.text}`)
      const t2 = performance.now()
      latencies.push(t2 - t0)
      leaseLatencies.push(t1 - t0)
      submitLatencies.push(t2 - t1)
      groups++
    } catch (err) {
      fail(err)
    }
  }
}

async function batchLoop(end: number) {
  const post = poster()
  const leaseBody = JSON.stringify({ task: job.task, count: job.batch })
  // the groups' JSON is the same for every lease: each lease id spliced in front of the same bytes, sent in pieces
  const groupJson = Buffer.from(JSON.stringify({ modelVersion: 0, completions: wireCompletions }).slice(1))
  while (performance.now() < end) {
    const t0 = performance.now()
    try {
      const l = await post('/v1/leases', leaseBody)
      if (l.status !== 201) throw new Error(`lease ${l.status}: ${l.text}`)
      const { leases } = JSON.parse(l.text) as { leases: { leaseId: number }[] }
      const body = ['{"groups":[', ...leases.flatMap((x, i) => [`${i ? ',' : ''}{"leaseId":${x.leaseId},`, groupJson]), ']}']
      const t1 = performance.now()
      const s = await post('/v1/groups', body)
      if (s.status !== 200) throw new Error(`groups ${s.status}: ${s.text}`)
      const { results } = JSON.parse(s.text) as { results: { status: number; problem?: { detail: string } }[] }
      const bad = results.find((r) => r.status !== 201)
      if (bad) throw new Error(`group ${bad.status}: ${bad.problem?.detail}`)
      const t2 = performance.now()
      latencies.push(t2 - t0)
      leaseLatencies.push(t1 - t0)
      submitLatencies.push(t2 - t1)
      groups += results.length
    } catch (err) {
      fail(err)
    }
  }
}

type FloorDb = ReturnType<typeof connectPostgres>['db']
/**
 * The floor's leasing, in the edge's shape: concurrent lease asks of this process go together as one leasePrompts
 * (the edge's coalescer, as POST /v1/leases does: up to 256 leases a call, 2 calls at once), each client taking
 * its share; job.floorLeases "each" leases one client at a time (the shape before the edge coalesced).
 */
function floorLeaser(db: FloorDb): (count: number) => Promise<TakenLease[]> {
  const ask = { taskId: job.taskId!, workerKeyId: job.workerKeyId!, leaseSeconds: 600 }
  if (job.floorLeases === 'each') return (count) => leasePrompts(db, { ...ask, count })
  const calls = coalescer<number, TakenLease[]>({
    run: async (counts) => {
      const got = await leasePrompts(db, { ...ask, count: counts.reduce((n, c) => n + c, 0) })
      let at = 0
      return counts.map((c) => got.slice(at, (at += c)))
    },
    weight: (c) => c,
    maxWeight: 256,
  })
  return (count) => calls.run('floor', count)
}

async function floorLoop(end: number, db: FloorDb, lease: (count: number) => Promise<TakenLease[]>) {
  while (performance.now() < end) {
    const t0 = performance.now()
    try {
      const leases = await lease(job.batch ?? 1)
      if (!leases.length) throw new Error('no prompt free')
      const t1 = performance.now()
      const out = await storeGroups(
        db,
        job.workerKeyId!,
        leases.map((lease) => ({
          leaseId: lease.leaseId,
          bodyHash: `floor-${lease.leaseId}`,
          policyVersion: 0,
          status: verdict.status,
          rewardMean: verdict.rewardMean,
          rewardStd: verdict.rewardStd,
          completions: packedCompletions,
        })),
      )
      const bad = out.find((o) => o.kind !== 'created')
      if (bad) throw new Error(`store: ${bad.kind}`)
      latencies.push(performance.now() - t0)
      leaseLatencies.push(t1 - t0)
      submitLatencies.push(performance.now() - t1)
      groups += out.length
    } catch (err) {
      fail(err)
    }
  }
}

const database = job.mode === 'floor' ? connectPostgres(job.databaseUrl!, { max: Math.min(job.clients, job.poolMax ?? job.clients) }) : undefined
const cpu0 = process.cpuUsage()
const t0 = performance.now()
const end = t0 + job.seconds * 1000
const floorLease = database && floorLeaser(database.db)
await Promise.all(
  Array.from({ length: job.clients }, () =>
    database ? floorLoop(end, database.db, floorLease!) : job.mode === 'batch' ? batchLoop(end) : httpLoop(end),
  ),
)
const result: LoadResult = {
  groups,
  errors,
  seconds: (performance.now() - t0) / 1000,
  latencies,
  leaseLatencies,
  submitLatencies,
  cpuMs: ((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpu0)),
  firstError,
}
if (database) {
  const pids = await backendPids(database.db)
  result.pgAtEnd = Object.fromEntries(pids.map((pid) => [pid, treeCpuMs(pid)]))
}
await database?.close()
agent.destroy()
for (const r of raws) r.close()
process.stdout.write(JSON.stringify(result) + '\n')
