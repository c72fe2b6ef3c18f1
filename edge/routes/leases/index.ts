/**
 * Leases: POST /v1/leases (worker) hands out a prompt (never its reference answer), or up to `count` of them;
 * POST /v1/leases/{leaseId}/group (the worker that took it) submits G completions (see submit.ts);
 * POST /v1/groups submits several leases' groups at once, each accepted, replayed or refused on its own.
 * Batches are for fleet keys: a key with a per-minute limit or a quota sends one lease / group per request.
 * Leasing is held back (503 + Retry-After) while the task's queue would outlast the staleness window
 * (backpressure.ts). The worker key is cached (workerAuth): the statements re-check it, and a 503 re-reads it, so
 * a revoked key gets its 401 at once.
 */
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv, EdgeDeps } from '../../env.js'
import { backpressureGate, type BackpressureGate } from './backpressure.js'
import { isKeyLive, leasePrompts, type Db, type Task, type TakenLease } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { deadKey, rateLimit, workerAuth } from '../../middleware/index.js'
import { ProblemError, problemBody, problems } from '../../problem.js'
import { router } from '../../router.js'
import { requireTask } from '../tasks/index.js'
import {
  CreateLeaseBody,
  GroupResultSchema,
  LeaseBatchSchema,
  LeaseParams,
  LeaseSchema,
  SubmitGroupBody,
  SubmitGroupsBody,
  SubmitGroupsResult,
} from './schemas.js'
import { secretSources } from '../verify/secrets.js'
import { coalescer, perOwner } from './coalesce.js'
import { rememberLeases } from './issued.js'
import { submit, submitMany } from './submit.js'

const take = createRoute({
  method: 'post',
  path: '/leases',
  summary: 'Lease a prompt of a task (or up to `count` prompts)',
  security: [{ bearer: [] }],
  middleware: [workerAuth(), rateLimit('leases')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateLeaseBody } } } },
  responses: {
    201: {
      description: 'leased: one lease, or { leases } when `count` was sent',
      content: { 'application/json': { schema: z.union([LeaseSchema, LeaseBatchSchema]) } },
    },
    ...problems(400, 401, 403, 404, 413, 415, 429, 503),
    // 503: no prompt free, or held back by backpressure (the detail says which and why; Retry-After says when)
  },
})

const submitRoute = createRoute({
  method: 'post',
  path: '/leases/{leaseId}/group',
  summary: 'Submit the group of completions for a lease',
  security: [{ bearer: [] }],
  middleware: [workerAuth(), rateLimit('submissions')] as const,
  request: {
    params: LeaseParams,
    body: { required: true, content: { 'application/json': { schema: SubmitGroupBody } } },
  },
  responses: {
    201: { description: 'stored', content: { 'application/json': { schema: GroupResultSchema } } },
    200: { description: 'the same body again: the stored group', content: { 'application/json': { schema: GroupResultSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415, 429),
  },
})

const submitManyRoute = createRoute({
  method: 'post',
  path: '/groups',
  summary: "Submit several leases' groups at once (each accepted, replayed or refused on its own)",
  security: [{ bearer: [] }],
  middleware: [workerAuth(), rateLimit('submissions')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: SubmitGroupsBody } } } },
  responses: {
    200: { description: 'one outcome per group, in request order', content: { 'application/json': { schema: SubmitGroupsResult } } },
    ...problems(400, 401, 403, 413, 415, 429),
  },
})

/** One backpressure gate (a cache of readings) per app. */
const gates = new WeakMap<EdgeDeps, BackpressureGate>()
const gateOf = (deps: EdgeDeps) => {
  let g = gates.get(deps)
  if (!g) gates.set(deps, (g = backpressureGate()))
  return g
}

interface LeaseAsk {
  taskId: number
  workerKeyId: number
  leaseSeconds: number
  count: number
}

/**
 * Lease requests of one key for one task that arrive while earlier ones are at the database go together as one
 * leasePrompts (coalesce.ts): one statement for all, the leases handed out in arrival order (fewer free prompts
 * than asked: the last ones get fewer, or none, and answer 503 as they would have alone).
 */
const leaseCalls = perOwner((db: Db) =>
  coalescer<LeaseAsk, TakenLease[]>({
    run: async (asks) => {
      const total = asks.reduce((n, a) => n + a.count, 0)
      const got = await leasePrompts(db, { ...asks[0], count: total })
      let at = 0
      return asks.map((a) => got.slice(at, (at += a.count)))
    },
    weight: (a) => a.count,
    // up to 16 batch asks of 16 in one statement: at 64 batch clients, 64 (4 asks) per call left the lease lane the
    // bottleneck (lease p50 ~4× submit p50)
    maxWeight: 256,
  }),
)
const takeLeases = (db: Db, ask: LeaseAsk) => leaseCalls(db).run(`${ask.workerKeyId}:${ask.taskId}:${ask.leaseSeconds}`, ask)

/** Seconds a worker should wait before asking again when every prompt is leased. */
const RETRY_AFTER_S = 1

/** Before a 503: a key the cache still holds but the database no longer does gets its 401 instead. */
async function refuseDeadKey(db: Db, c: Context<AppEnv>) {
  if (!(await isKeyLive(db, c.var.caller.id!))) throw deadKey()
}

/** Refuse a batch of more than one from a key that is rate-limited or has a quota for `kind`. */
function batchAllowed(c: Context<AppEnv>, kind: 'leases' | 'submissions', n: number) {
  const { limits, quota } = c.var.caller
  const limited = kind === 'leases' ? limits.leasesPerMinute !== null : limits.submissionsPerMinute !== null || quota !== null
  if (n > 1 && limited)
    throw new ProblemError(403, `this key has a per-minute limit or a quota: send one ${kind === 'leases' ? 'lease' : 'group'} per request`)
}

const leaseView = (lease: TakenLease, task: Task) => ({
  leaseId: lease.leaseId,
  prompt: { id: lease.promptId, text: lease.text },
  groupSize: task.groupSize,
  modelVersion: lease.modelVersion,
  expiresAt: lease.expiresAt.toISOString(),
  generation: { maxNewTokens: task.maxNewTokens, temperature: task.temperature, topP: task.topP, topK: task.topK },
  chat: task.chat ?? null,
})

export const leaseRoutes = router()
  .openapi(take, async (c) => {
    const body = c.req.valid('json')
    batchAllowed(c, 'leases', body.count ?? 1)
    const task = await requireTask(c, body.task)
    const db = dbOf(c)
    let count = body.count ?? 1
    const gate = task.backpressure ? gateOf(c.var.deps) : undefined
    if (gate) {
      const { granted, state } = await gate.admit(db, task.id, count)
      if (granted === 0) await refuseDeadKey(db, c)
      if (granted === 0)
        throw new ProblemError(503, `task "${task.name}" is held back so rollouts do not go stale: ${state.reason}`, {
          headers: { 'retry-after': String(state.retryAfterS) },
          retryAfterMs: state.retryAfterMs,
        })
      count = granted
    }
    const leases = await takeLeases(db, { taskId: task.id, workerKeyId: c.var.caller.id!, leaseSeconds: task.leaseSeconds, count })
    rememberLeases(db, task, c.var.caller.id!, leases)
    gate?.granted(task.id, leases.length)
    if (leases.length === 0) await refuseDeadKey(db, c)
    if (leases.length === 0)
      throw new ProblemError(503, `task "${task.name}" has no prompt free right now`, {
        headers: { 'retry-after': String(RETRY_AFTER_S) },
      })
    if (body.count === undefined) return c.json(leaseView(leases[0], task), 201)
    return c.json({ leases: leases.map((l) => leaseView(l, task)) }, 201)
  })
  .openapi(submitRoute, async (c) => {
    const { created, result } = await submit(
      dbOf(c),
      c.req.valid('param').leaseId,
      c.var.caller.id!,
      c.req.valid('json'),
      secretSources(c.env),
    )
    return created ? c.json(result, 201) : c.json(result, 200)
  })
  .openapi(submitManyRoute, async (c) => {
    const { groups } = c.req.valid('json')
    batchAllowed(c, 'submissions', groups.length)
    const outcomes = await submitMany(
      dbOf(c),
      c.var.caller.id!,
      groups.map(({ leaseId, ...body }) => ({ leaseId, body })),
      secretSources(c.env),
    )
    return c.json(
      {
        results: outcomes.map((o) =>
          'problem' in o
            ? { leaseId: o.leaseId, status: o.problem.status, problem: problemBody(o.problem.status, o.problem.detail) }
            : { leaseId: o.leaseId, status: o.created ? 201 : 200, group: o.result },
        ),
      },
      200,
    )
  })
