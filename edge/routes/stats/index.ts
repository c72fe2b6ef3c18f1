/** GET /v1/stats (any key): counts of prompts, leases, groups by status; reward mean per policy version. */
import { createRoute, z } from '@hono/zod-openapi'
import { stats } from '../../../schema/index.js'
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
  const taskId = task === undefined ? undefined : (await requireTask(c, task)).id
  return c.json(await stats(dbOf(c), taskId), 200)
})
