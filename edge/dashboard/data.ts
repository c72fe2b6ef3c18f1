/**
 * GET /v1/dashboard (admin or learner key): everything the dashboard page draws, in one JSON document —
 * train-step metrics, per-version reward/accuracy, queue depth by status, per-worker flagged groups, recent
 * completions with rewards.
 * Reference answers never appear here.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { ingestState } from '../routes/leases/backpressure.js'
import { dbOf } from '../env.js'
import { auth } from '../middleware/index.js'
import { problems } from '../problem.js'
import { router } from '../router.js'
import { DASHBOARD_LIMITS, ingestPressure, recentCompletions, recentSteps, stats, versionSummary } from '../../schema/index.js'

const count = z.number().int()
const json = z.record(z.string(), z.unknown())

const DashboardSchema = z
  .object({
    now: z.string(),
    totals: z.object({ prompts: count, trainSteps: count, modelVersions: count }),
    queue: z.object({
      groups: z.record(z.string(), count).openapi({ description: 'groups by status' }),
      leasesActive: count,
      leasesExpired: count,
      drainPerS: z.number().openapi({ description: 'groups the learner trains per second (its last steps)' }),
      heldBack: z.boolean().openapi({ description: 'backpressure: leasing answers 503 now (all tasks together)' }),
      staleFraction: z.number().nullable().openapi({ description: 'stale / (trained + stale)' }),
    }),
    workers: z.array(
      z.object({
        keyId: count,
        label: z.string().nullable(),
        prefix: z.string(),
        groups: count,
        accepted: count.openapi({ description: 'groups without any flag' }),
        logprobMismatch: count,
        tokensPerSecond: z.number().openapi({ description: 'completion tokens per second over the last 5 minutes' }),
      }),
    ),
    steps: z.array(z.object({ step: count, policyVersion: count, metrics: json, createdAt: z.string() })),
    versions: z.array(
      z.object({
        version: count,
        step: count.nullable(),
        publishedAt: z.string().nullable(),
        metrics: json,
        groups: count,
        rewardMean: z.number().nullable(),
        accuracy: z.number().nullable().openapi({ description: 'fraction of completions with reward ≥ 1' }),
      }),
    ),
    recent: z.array(
      z.object({
        groupId: count,
        index: count,
        policyVersion: count,
        prompt: z.string(),
        text: z.string(),
        reward: z.number().nullable(),
        status: z.string(),
        createdAt: z.string(),
      }),
    ),
  })
  .openapi('Dashboard')

const bounded = (max: number, dflt: number) => z.coerce.number().int().min(0).max(max).default(dflt)

const get = createRoute({
  method: 'get',
  path: '/v1/dashboard',
  summary: 'Data of the dashboard page: metrics per step and per version, queue depth, recent completions',
  security: [{ bearer: [] }],
  middleware: [auth('admin', 'learner')] as const,
  request: {
    query: z
      .object({
        steps: bounded(DASHBOARD_LIMITS.steps, 500),
        versions: bounded(DASHBOARD_LIMITS.versions, 100),
        recent: bounded(DASHBOARD_LIMITS.recent, 24),
      })
      .strict(),
  },
  responses: {
    200: { description: 'dashboard data', content: { 'application/json': { schema: DashboardSchema } } },
    ...problems(400, 401, 403),
  },
})

export const dashboardData = router().openapi(get, async (c) => {
  const q = c.req.valid('query')
  const db = dbOf(c)
  // one after another: on embedded PGlite every query shares one session anyway
  const s = await stats(db)
  const ingest = ingestState(await ingestPressure(db))
  const consumed = s.groups.trained + s.groups.stale
  const steps = await recentSteps(db, q.steps)
  const versions = await versionSummary(db, q.versions)
  const recent = await recentCompletions(db, q.recent)
  return c.json(
    {
      now: new Date().toISOString(),
      totals: { prompts: s.prompts, trainSteps: s.trainSteps, modelVersions: s.modelVersions },
      queue: {
        groups: s.groups,
        leasesActive: s.leases.active,
        leasesExpired: s.leases.expired,
        drainPerS: ingest.drain,
        heldBack: ingest.room === 0,
        staleFraction: consumed ? s.groups.stale / consumed : null,
      },
      workers: s.workers,
      steps,
      versions,
      recent,
    },
    200,
  )
})
