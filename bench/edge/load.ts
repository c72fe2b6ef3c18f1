/**
 * One load-generator process of bench:edge. Reads its job from the BENCH_JOB env (JSON), runs `clients` loops for
 * `seconds` and prints one JSON line: { groups, errors, seconds, latencies (ms per loop iteration) }.
 *   mode "single"  each loop: POST /v1/leases → POST /v1/leases/{id}/group (one group per request)
 *   mode "floor"   the same rows through the query functions on a bare postgres.js pool: no HTTP, no auth,
 *                  no validation, no verification (the database's share of the work)
 */
import { connectPostgres } from '../../schema/pg.js'
import { leasePrompt, submitGroup } from '../../schema/queries/index.js'
import { benchCompletions } from './shape.js'

export interface LoadJob {
  mode: 'single' | 'floor'
  clients: number
  seconds: number
  /** edge URL (HTTP modes) */
  url?: string
  key?: string
  task: string
  /** floor: database URL, task id and worker key id */
  databaseUrl?: string
  taskId?: number
  workerKeyId?: number
}

export interface LoadResult {
  groups: number
  errors: number
  seconds: number
  latencies: number[]
  firstError?: string
}

const job = JSON.parse(process.env.BENCH_JOB ?? '{}') as LoadJob
const completions = benchCompletions()
const latencies: number[] = []
let groups = 0
let errors = 0
let firstError: string | undefined
const fail = (err: unknown) => {
  errors++
  firstError ??= (err as Error).message
}

async function httpLoop(end: number) {
  const headers = { authorization: `Bearer ${job.key}`, 'content-type': 'application/json' }
  const leaseBody = JSON.stringify({ task: job.task })
  const groupBody = JSON.stringify({ modelVersion: 0, completions })
  while (performance.now() < end) {
    const t0 = performance.now()
    try {
      const l = await fetch(`${job.url}/v1/leases`, { method: 'POST', headers, body: leaseBody })
      if (l.status !== 201) throw new Error(`lease ${l.status}: ${await l.text()}`)
      const { leaseId } = (await l.json()) as { leaseId: number }
      const s = await fetch(`${job.url}/v1/leases/${leaseId}/group`, { method: 'POST', headers, body: groupBody })
      if (s.status !== 201) throw new Error(`group ${s.status}: ${await s.text()}`)
      await s.arrayBuffer()
      latencies.push(performance.now() - t0)
      groups++
    } catch (err) {
      fail(err)
    }
  }
}

async function floorLoop(end: number, db: ReturnType<typeof connectPostgres>['db']) {
  while (performance.now() < end) {
    const t0 = performance.now()
    try {
      const lease = await leasePrompt(db, { taskId: job.taskId!, workerKeyId: job.workerKeyId!, leaseSeconds: 600 })
      if (!lease) throw new Error('no prompt free')
      const out = await submitGroup(db, {
        leaseId: lease.leaseId,
        workerKeyId: job.workerKeyId!,
        bodyHash: `floor-${lease.leaseId}`,
        policyVersion: 0,
        status: 'ready',
        rewardMean: 0,
        rewardStd: 0,
        completions: completions.map((c) => ({ ...c, reward: 0, details: {} })),
      })
      if (out.kind !== 'created') throw new Error(`store: ${out.kind}`)
      latencies.push(performance.now() - t0)
      groups++
    } catch (err) {
      fail(err)
    }
  }
}

const database = job.mode === 'floor' ? connectPostgres(job.databaseUrl!, { max: job.clients }) : undefined
const t0 = performance.now()
const end = t0 + job.seconds * 1000
await Promise.all(
  Array.from({ length: job.clients }, () => (database ? floorLoop(end, database.db) : httpLoop(end))),
)
const result: LoadResult = { groups, errors, seconds: (performance.now() - t0) / 1000, latencies, firstError }
await database?.close()
process.stdout.write(JSON.stringify(result) + '\n')
