/**
 * Human ratings (tasks whose verifier has a `human` part):
 *   GET  /v1/ratings/next?task=…  (rater)  a completion still short of its quorum: prompt + completion text, never
 *                                          the reference; never one this rater rated; closest to quorum first.
 *                                          204 when there is nothing to rate.
 *   POST /v1/ratings              (rater)  { completionId, score ∈ [0, 1] } — one per rater and completion (409
 *                                          again). The rating that completes every completion's quorum scores the
 *                                          group (reward = mean of its ratings, verifiers/human.ts) and flips it
 *                                          pending → ready in the same transaction. Ratings are taken while the
 *                                          group is pending (a completion may get more than its quorum when raters
 *                                          race; all count in the mean); after that → 409.
 *   GET  /v1/ratings/raters       (admin)  agreement per rater; raters at odds with the consensus are flagged.
 *   GET  /v1/ratings/me?task=…    (rater)  how many this key rated and how they agree with the consensus.
 *   GET  /v1/ratings/tasks        (rater)  the tasks that take ratings, with their quorum.
 * `skip=<ids>` on /next passes over completions the rater skipped (the rating page keeps the list).
 */
import { createRoute } from '@hono/zod-openapi'
import { addRating, completionTarget, listTasks, nextToRate, raterKeys, ratingHistory } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { auth, rateLimit } from '../../middleware/index.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'
import { requireTask } from '../tasks/index.js'
import { scoreGroup, secretSources } from '../verify/index.js'
import { AGREEMENT, raterAgreement } from './agreement.js'
import { DEFAULT_OUTLIER_THRESHOLD, ratingPolicy, type RatingPolicy } from './policy.js'
import {
  MeQuery,
  MeSchema,
  NextQuery,
  RateBody,
  RatedSchema,
  RatersQuery,
  RatersSchema,
  RatingTasksSchema,
  ToRateSchema,
} from './schemas.js'

const next = createRoute({
  method: 'get',
  path: '/ratings/next',
  summary: 'A completion to rate',
  security: [{ bearer: [] }],
  middleware: [auth('rater')] as const,
  request: { query: NextQuery },
  responses: {
    200: { description: 'rate this', content: { 'application/json': { schema: ToRateSchema } } },
    204: { description: 'nothing to rate right now' },
    ...problems(400, 401, 403, 404),
  },
})

const rate = createRoute({
  method: 'post',
  path: '/ratings',
  summary: 'Rate a completion',
  security: [{ bearer: [] }],
  middleware: [auth('rater'), rateLimit('submissions')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: RateBody } } } },
  responses: {
    201: { description: 'stored', content: { 'application/json': { schema: RatedSchema } } },
    ...problems(400, 401, 403, 404, 409, 413, 415, 429),
  },
})

const me = createRoute({
  method: 'get',
  path: '/ratings/me',
  summary: 'Your ratings and their agreement with the consensus',
  security: [{ bearer: [] }],
  middleware: [auth('rater')] as const,
  request: { query: MeQuery },
  responses: {
    200: { description: 'this key', content: { 'application/json': { schema: MeSchema } } },
    ...problems(400, 401, 403, 404, 409),
  },
})

const ratingTasks = createRoute({
  method: 'get',
  path: '/ratings/tasks',
  summary: 'Tasks that take ratings',
  security: [{ bearer: [] }],
  middleware: [auth('rater')] as const,
  responses: {
    200: { description: 'tasks', content: { 'application/json': { schema: RatingTasksSchema } } },
    ...problems(401, 403),
  },
})

const raters = createRoute({
  method: 'get',
  path: '/ratings/raters',
  summary: 'Rater agreement with the consensus',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  request: { query: RatersQuery },
  responses: {
    200: { description: 'per rater', content: { 'application/json': { schema: RatersSchema } } },
    ...problems(400, 401, 403, 404),
  },
})

function requirePolicy(taskName: string, verifier: unknown): RatingPolicy {
  const policy = ratingPolicy(verifier)
  if (!policy) throw new ProblemError(409, `task "${taskName}" takes no ratings: its verifier has no human part`)
  return policy
}

export const ratingRoutes = router()
  .openapi(next, async (c) => {
    const query = c.req.valid('query')
    const task = await requireTask(c, query.task)
    const policy = requirePolicy(task.name, task.verifier)
    const item = await nextToRate(dbOf(c), {
      taskId: task.id,
      raterKeyId: c.var.caller.id!,
      quorum: policy.quorum,
      skip: query.skip,
    })
    if (!item) return c.body(null, 204)
    return c.json(
      {
        completionId: item.completionId,
        task: task.name,
        groupId: item.groupId,
        prompt: { id: item.promptId, text: item.promptText },
        completion: { index: item.index, text: item.text },
        ratings: { count: item.ratings, quorum: policy.quorum },
      },
      200,
    )
  })
  .openapi(rate, async (c) => {
    const { completionId, score } = c.req.valid('json')
    const db = dbOf(c)
    const target = await completionTarget(db, completionId)
    if (!target) throw new ProblemError(404, `no completion ${completionId}`)
    const policy = requirePolicy(target.taskName, target.verifier)
    const sources = secretSources(c.env)
    const outcome = await addRating(db, { completionId, raterKeyId: c.var.caller.id!, score }, async (group) =>
      group.completions.every((x) => x.ratings.length >= policy.quorum) ? scoreGroup(group, sources) : null,
    )
    switch (outcome.kind) {
      case 'not_found':
        throw new ProblemError(404, `no completion ${completionId}`)
      case 'duplicate':
        throw new ProblemError(409, `you already rated completion ${completionId}`)
      case 'closed':
        throw new ProblemError(409, `completion ${completionId} takes no more ratings: its group is ${outcome.groupStatus}`)
      case 'rated':
        return c.json(
          {
            completionId,
            ratings: outcome.ratings,
            quorum: policy.quorum,
            group: { id: outcome.groupId, status: outcome.groupStatus },
          },
          201,
        )
    }
  })
  .openapi(raters, async (c) => {
    const db = dbOf(c)
    const only = c.req.valid('query').task
    const taskId = only === undefined ? undefined : (await requireTask(c, only)).id
    const thresholds = new Map((await listTasks(db)).map((t) => [t.id, ratingPolicy(t.verifier)?.outlierThreshold]))
    const stats = raterAgreement(await ratingHistory(db, taskId), (id) => thresholds.get(id) ?? DEFAULT_OUTLIER_THRESHOLD)
    const list = (await raterKeys(db)).map((k) => ({
      raterKeyId: k.id,
      prefix: k.prefix,
      label: k.label,
      revoked: k.revoked,
      ...(stats.get(k.id) ?? {
        ratings: 0,
        meanScore: null,
        compared: 0,
        disagreements: 0,
        disagreementRate: null,
        flagged: false,
      }),
    }))
    return c.json(
      {
        raters: list,
        rule:
          `a rating disagrees when it is more than the task's outlierThreshold from the mean of the other ratings ` +
          `of that completion (completions with ≥ 3 ratings); a rater is flagged when ≥ ${AGREEMENT.minCompared} ` +
          `ratings were compared and more than ${AGREEMENT.maxDisagreementRate * 100}% disagreed`,
      },
      200,
    )
  })
  .openapi(me, async (c) => {
    const task = await requireTask(c, c.req.valid('query').task)
    const policy = requirePolicy(task.name, task.verifier)
    const mine = raterAgreement(await ratingHistory(dbOf(c), task.id), () => policy.outlierThreshold).get(c.var.caller.id!)
    const compared = mine?.compared ?? 0
    const agreed = compared - (mine?.disagreements ?? 0)
    return c.json(
      {
        task: task.name,
        ratings: mine?.ratings ?? 0,
        compared,
        agreed,
        agreementRate: compared ? agreed / compared : null,
        flagged: mine?.flagged ?? false,
      },
      200,
    )
  })
  .openapi(ratingTasks, async (c) => {
    const tasks = (await listTasks(dbOf(c))).flatMap((t) => {
      const policy = ratingPolicy(t.verifier)
      return policy ? [{ name: t.name, quorum: policy.quorum }] : []
    })
    return c.json({ tasks }, 200)
  })
