/** GET /healthz: 200 { ok: true } when the database answers, 503 problem otherwise. No key needed. */
import { createRoute, z } from '@hono/zod-openapi'
import { ping } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'

const health = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness and database reachability',
  responses: {
    200: { description: 'healthy', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } },
    ...problems(503),
  },
})

export const healthRoutes = router().openapi(health, async (c) => {
  try {
    await ping(dbOf(c))
  } catch (err) {
    throw new ProblemError(503, `database unreachable: ${(err as Error).message}`, { headers: { 'retry-after': '2' } })
  }
  return c.json({ ok: true as const }, 200)
})
