/** zod schemas of the rating routes (bodies strict). Nothing here carries a reference answer. */
import { z } from '@hono/zod-openapi'
import { TaskName } from '../tasks/schemas.js'

const Id = z.number().int().positive().max(2 ** 31 - 1)

/** Completion ids a rater passed over (comma-separated), so the next one is another. */
const SkipList = z
  .string()
  .regex(/^\d{1,10}(,\d{1,10}){0,199}$/, 'comma-separated completion ids (at most 200)')
  .transform((s) => s.split(',').map(Number))

export const NextQuery = z.object({
  task: TaskName.openapi({ param: { name: 'task', in: 'query' } }),
  skip: SkipList.optional().openapi({ param: { name: 'skip', in: 'query' }, description: 'completion ids to pass over' }),
})

export const MeQuery = z.object({ task: TaskName.openapi({ param: { name: 'task', in: 'query' } }) })

export const MeSchema = z
  .object({
    task: z.string(),
    ratings: z.number().int().openapi({ description: 'Ratings this key gave in the task' }),
    compared: z.number().int().openapi({ description: 'Of those, on completions with ≥ 3 ratings' }),
    agreed: z.number().int().openapi({ description: 'Compared ratings within the threshold of the others’ mean' }),
    agreementRate: z.number().nullable(),
    flagged: z.boolean(),
  })
  .openapi('MyAgreement')

export const RatingTasksSchema = z
  .object({ tasks: z.array(z.object({ name: z.string(), quorum: z.number().int() })) })
  .openapi('RatingTasks')

export const ToRateSchema = z
  .object({
    completionId: z.number().int(),
    task: z.string(),
    groupId: z.number().int(),
    prompt: z.object({ id: z.number().int(), text: z.string() }),
    completion: z.object({ index: z.number().int(), text: z.string() }),
    ratings: z.object({ count: z.number().int(), quorum: z.number().int() }),
  })
  .openapi('ToRate')

export const RateBody = z
  .object({
    completionId: Id,
    score: z.number().min(0).max(1).openapi({ description: 'Quality in [0, 1]' }),
  })
  .strict()
  .openapi('Rate')

export const RatedSchema = z
  .object({
    completionId: z.number().int(),
    ratings: z.number().int().openapi({ description: 'Ratings this completion has now' }),
    quorum: z.number().int(),
    group: z.object({
      id: z.number().int(),
      status: z.enum(['pending', 'verify_failed', 'ready', 'claimed', 'trained', 'stale', 'discarded']),
    }),
  })
  .openapi('Rated')

export const RatersQuery = z.object({
  task: TaskName.optional().openapi({ param: { name: 'task', in: 'query' }, description: 'Only ratings of this task' }),
})

export const RatersSchema = z
  .object({
    raters: z.array(
      z.object({
        raterKeyId: z.number().int(),
        prefix: z.string(),
        label: z.string().nullable(),
        revoked: z.boolean(),
        ratings: z.number().int(),
        meanScore: z.number().nullable(),
        compared: z.number().int(),
        disagreements: z.number().int(),
        disagreementRate: z.number().nullable(),
        flagged: z.boolean(),
      }),
    ),
    rule: z.string(),
  })
  .openapi('RaterAgreement')
