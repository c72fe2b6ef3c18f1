/**
 * GET /v1/stats (any key): counts of prompts, leases, groups by status; reward mean per policy version; ingest
 * (queue depth, the learner's drain rate, backpressure state, stale fraction); per worker key the groups submitted
 * and those flagged for log-probs that disagree with the learner's (logprob_mismatch).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { ingestPressure, stats } from '../../../schema/index.js'
import { ingestState } from '../leases/backpressure.js'
import { dbOf } from '../../env.js'
import { anyRole } from '../../middleware/index.js'
import { problems } from '../../problem.js'
import { router } from '../../router.js'
import { requireTask } from '../tasks/index.js'
import { TaskName } from '../tasks/schemas.js'

const count = z.number().int()
const StatsSchema = z
  .object({
    prompts: count,
    leases: z.object({ total: count, active: count, submitted: count, expired: count }),
    groups: z.object({
      pending: count,
      verify_failed: count,
      ready: count,
      claimed: count,
      trained: count,
      stale: count,
      discarded: count,
    }),
    rewardByPolicyVersion: z.array(z.object({ policyVersion: count, groups: count, rewardMean: z.number() })),
    modelVersions: count,
    trainSteps: count,
    ingest: z
      .object({
        queueDepth: count.openapi({ description: 'groups waiting for the learner (ready + claimed)' }),
        inFlight: count.openapi({ description: 'open leases: rollouts being generated' }),
        drainPerS: z.number().openapi({ description: 'groups the learner trains per second (its last steps)' }),
        capacity: z.number().nullable().openapi({ description: 'most groups that may wait before they would go stale (null: backpressure inactive)' }),
        heldBack: z.boolean().openapi({ description: 'leasing is answered 503 now' }),
        reason: z.string(),
        staleFraction: z.number().nullable().openapi({ description: 'stale / (trained + stale) over all groups counted here' }),
      })
      .openapi({ description: "Backpressure: the learner's drain and the queue ahead of it" }),
    workers: z.array(z.object({ keyId: count, label: z.string().nullable(), prefix: z.string(), groups: count, accepted: count, logprobMismatch: count, tokensPerSecond: z.number() })).openapi({
      description: 'per worker key (most flagged first, at most 50): groups submitted, and those the learner flagged logprob_mismatch',
    }),
  })
  .openapi('Stats')

const get = createRoute({
  method: 'get',
  path: '/stats',
  summary: 'Queue and reward statistics (optionally of one task)',
  security: [{ bearer: [] }],
  middleware: [anyRole()] as const,
  request: { query: z.object({ task: TaskName.optional() }).strict() },
  responses: {
    200: { description: 'statistics', content: { 'application/json': { schema: StatsSchema } } },
    ...problems(400, 401, 404),
  },
})

export const statsRoutes = router().openapi(get, async (c) => {
  const { task } = c.req.valid('query')
  const t = task === undefined ? undefined : await requireTask(c, task)
  const taskId = t?.id
  const [s, pressure] = await Promise.all([stats(dbOf(c), taskId), ingestPressure(dbOf(c), taskId)])
  const off = t !== undefined && !t.backpressure
  const state = ingestState(pressure)
  const consumed = s.groups.trained + s.groups.stale
  return c.json(
    {
      ...s,
      ingest: {
        queueDepth: state.queued,
        inFlight: state.inFlight,
        drainPerS: state.drain,
        capacity: off ? null : state.capacity,
        heldBack: !off && state.room === 0,
        reason: off ? 'backpressure is off for this task' : state.reason,
        staleFraction: consumed ? s.groups.stale / consumed : null,
      },
    },
    200,
  )
})
