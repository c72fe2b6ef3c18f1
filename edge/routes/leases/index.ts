/**
 * Leases: POST /v1/leases (worker) hands out a prompt (never its reference answer);
 * POST /v1/leases/{leaseId}/group (the worker that took it) submits G completions (see submit.ts).
 */
import { createRoute } from '@hono/zod-openapi'
import { leasePrompt } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { auth, rateLimit } from '../../middleware/index.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'
import { requireTask } from '../tasks/index.js'
import { CreateLeaseBody, GroupResultSchema, LeaseParams, LeaseSchema, SubmitGroupBody } from './schemas.js'
import { secretSources } from '../verify/secrets.js'
import { submit } from './submit.js'

const take = createRoute({
  method: 'post',
  path: '/leases',
  summary: 'Lease a prompt of a task',
  security: [{ bearer: [] }],
  middleware: [auth('worker'), rateLimit('leases')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateLeaseBody } } } },
  responses: {
    201: { description: 'leased', content: { 'application/json': { schema: LeaseSchema } } },
    ...problems(400, 401, 403, 404, 413, 415, 429, 503),
  },
})

const submitRoute = createRoute({
  method: 'post',
  path: '/leases/{leaseId}/group',
  summary: 'Submit the group of completions for a lease',
  security: [{ bearer: [] }],
  middleware: [auth('worker'), rateLimit('submissions')] as const,
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

/** Seconds a worker should wait before asking again when every prompt is leased. */
const RETRY_AFTER_S = 1

export const leaseRoutes = router()
  .openapi(take, async (c) => {
    const task = await requireTask(c, c.req.valid('json').task)
    const lease = await leasePrompt(dbOf(c), {
      taskId: task.id,
      workerKeyId: c.var.caller.id!,
      leaseSeconds: task.leaseSeconds,
    })
    if (!lease)
      throw new ProblemError(503, `task "${task.name}" has no prompt free right now`, {
        headers: { 'retry-after': String(RETRY_AFTER_S) },
      })
    return c.json(
      {
        leaseId: lease.leaseId,
        prompt: { id: lease.promptId, text: lease.text },
        groupSize: task.groupSize,
        modelVersion: lease.modelVersion,
        expiresAt: lease.expiresAt.toISOString(),
        generation: { maxNewTokens: task.maxNewTokens, temperature: task.temperature, topP: task.topP, topK: task.topK },
        chat: task.chat ?? null,
      },
      201,
    )
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
