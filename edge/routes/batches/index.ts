/**
 * Batches for trainers outside Cohort (learner keys): the in-process learner's claim protocol over HTTP.
 *   POST /v1/batches                 claim up to N ready groups (prompt, completions, rewards, advantages, versions)
 *   GET  /v1/batches/{id}            the batch again (its groups while it is open)
 *   POST /v1/batches/{id}/renew      heartbeat: push the claim's expiry forward
 *   POST /v1/batches/{id}/complete   the step is done: groups → trained, one train_steps row (exactly once)
 *   POST /v1/batches/{id}/release    give the groups back untrained
 * A trainer that dies between claim and complete loses nothing: when the claim expires the groups return to the
 * queue and the next claim (any trainer's) takes them; a late /complete on that batch answers 410 and writes nothing.
 */
import { createRoute } from '@hono/zod-openapi'
import {
  batchClaimExpiry,
  completeBatch,
  getBatch,
  loadGroups,
  openBatch,
  releaseBatch,
  renewBatch,
  type Batch,
  type BatchOutcome,
} from '../../../schema/index.js'
import { dbOf, type AppEnv } from '../../env.js'
import type { Context } from 'hono'
import { auth } from '../../middleware/index.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'
import { requireTask } from '../tasks/index.js'
import { BatchParams, BatchSchema, ClaimBatchBody, CompleteBatchBody, DEFAULT_CLAIM_SECONDS, RenewBatchBody } from './schemas.js'
import { batchView } from './view.js'

const json = { 'application/json': { schema: BatchSchema } }

const claim = createRoute({
  method: 'post',
  path: '/batches',
  summary: 'Claim ready groups for a training step',
  security: [{ bearer: [] }],
  middleware: [auth('learner', 'admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ClaimBatchBody } } } },
  responses: {
    201: { description: 'claimed', content: json },
    204: { description: 'no group is ready; ask again after Retry-After seconds' },
    ...problems(400, 401, 403, 404, 413, 415),
  },
})

const read = createRoute({
  method: 'get',
  path: '/batches/{id}',
  summary: 'A batch (with its groups while open)',
  security: [{ bearer: [] }],
  middleware: [auth('learner', 'admin')] as const,
  request: { params: BatchParams },
  responses: { 200: { description: 'the batch', content: json }, ...problems(400, 401, 403, 404) },
})

const byIdResponses = { 200: { description: 'the batch', content: json }, ...problems(400, 401, 403, 404, 409, 410, 413, 415) }

const renew = createRoute({
  method: 'post',
  path: '/batches/{id}/renew',
  summary: 'Push the claim expiry forward',
  security: [{ bearer: [] }],
  responses: byIdResponses,
  middleware: [auth('learner', 'admin')] as const,
  request: { params: BatchParams, body: { required: false, content: { 'application/json': { schema: RenewBatchBody } } } },
})
const complete = createRoute({
  method: 'post',
  path: '/batches/{id}/complete',
  summary: 'Mark the batch trained by a step (exactly once)',
  security: [{ bearer: [] }],
  responses: byIdResponses,
  middleware: [auth('learner', 'admin')] as const,
  request: { params: BatchParams, body: { required: true, content: { 'application/json': { schema: CompleteBatchBody } } } },
})
const release = createRoute({
  method: 'post',
  path: '/batches/{id}/release',
  summary: 'Give the groups back to the queue untrained',
  security: [{ bearer: [] }],
  responses: byIdResponses,
  middleware: [auth('learner', 'admin')] as const,
  request: { params: BatchParams },
})

/** Seconds a trainer should wait before asking again when nothing is ready. */
const RETRY_AFTER_S = 1

/** The batch, if the caller may act on it (its own, or any for an admin). */
async function ownBatch(c: Context<AppEnv>, id: number): Promise<Batch> {
  const b = await getBatch(dbOf(c), id)
  if (!b) throw new ProblemError(404, `no batch ${id}`)
  const caller = c.var.caller
  if (caller.role !== 'admin' && b.keyId !== caller.id) throw new ProblemError(403, `batch ${id} belongs to another key`)
  return b
}

function notOpen(b: Batch, action: string): never {
  if (b.status === 'expired')
    throw new ProblemError(410, `batch ${b.id} expired: its claim lapsed and its groups went back to the queue; nothing was ${action}`)
  throw new ProblemError(409, `batch ${b.id} is ${b.status}${b.step !== null ? ` (step ${b.step})` : ''}; nothing was ${action}`)
}

function settle<T>(out: BatchOutcome<T>, id: number, action: string) {
  if (out.kind === 'not_found') throw new ProblemError(404, `no batch ${id}`)
  if (out.kind === 'not_open') notOpen(out.batch, action)
  return out
}

export const batchRoutes = router()
  .openapi(claim, async (c) => {
    const body = c.req.valid('json')
    const db = dbOf(c)
    const taskId = body.task === undefined ? undefined : (await requireTask(c, body.task)).id
    const opened = await openBatch(db, {
      keyId: c.var.caller.id,
      limit: body.groups,
      claimTtlMs: (body.claimSeconds ?? DEFAULT_CLAIM_SECONDS) * 1000,
      taskId,
      maxStaleness: body.maxStaleness,
    })
    if (!opened) return c.body(null, 204, { 'retry-after': String(RETRY_AFTER_S) })
    const groups = await loadGroups(db, opened.batch.groupIds, { text: true })
    return c.json(batchView(opened.batch, { expiresAt: opened.claimExpiresAt, staleMarked: opened.staleMarked, groups }), 201)
  })
  .openapi(read, async (c) => {
    const b = await ownBatch(c, c.req.valid('param').id)
    const db = dbOf(c)
    if (b.status !== 'open') return c.json(batchView(b), 200)
    return c.json(batchView(b, { expiresAt: await batchClaimExpiry(db, b.id), groups: await loadGroups(db, b.groupIds, { text: true }) }), 200)
  })
  .openapi(renew, async (c) => {
    const { id } = c.req.valid('param')
    await ownBatch(c, id)
    const ttl = ((c.req.valid('json') ?? {}).claimSeconds ?? DEFAULT_CLAIM_SECONDS) * 1000
    const out = settle(await renewBatch(dbOf(c), id, ttl), id, 'renewed')
    return c.json({ ...batchView(out.batch, { expiresAt: out.value.expiresAt }), groupIds: out.value.held }, 200)
  })
  .openapi(complete, async (c) => {
    const { id } = c.req.valid('param')
    await ownBatch(c, id)
    const body = c.req.valid('json')
    const out = await completeBatch(dbOf(c), id, { step: body.step, policyVersion: body.policyVersion, metrics: body.metrics ?? {} })
    // a retry of the same completion (the answer was lost) is answered as the first one was
    if (out.kind === 'not_open' && out.batch.status === 'completed' && out.batch.step === body.step)
      return c.json(batchView(out.batch), 200)
    return c.json(batchView(settle(out, id, 'trained').batch), 200)
  })
  .openapi(release, async (c) => {
    const { id } = c.req.valid('param')
    await ownBatch(c, id)
    const out = await releaseBatch(dbOf(c), id)
    if (out.kind === 'not_open' && out.batch.status === 'released') return c.json(batchView(out.batch), 200)
    return c.json(batchView(settle(out, id, 'released').batch), 200)
  })
