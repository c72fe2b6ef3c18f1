/** zod schemas of POST /v1/verify and POST /v1/admin/reverify. Bodies are strict; every limit is a named constant. */
import { z } from '@hono/zod-openapi'
import { LIMITS } from '../../../verifiers/index.js'
import { MAX_PROMPT_CHARS, TaskName, VerifierField } from '../tasks/schemas.js'
import { REVERIFY_DEFAULT_BATCH, REVERIFY_MAX_BATCH } from './reverify.js'

/** Most completions scored by one /v1/verify call. */
export const MAX_VERIFY_COMPLETIONS = 256
/** Most characters over all completions of one call (each is also at most LIMITS.completionChars). */
export const MAX_VERIFY_TOTAL_CHARS = 4 * 1024 * 1024

export const VerifyBody = z
  .object({
    verifier: VerifierField.optional().openapi({ description: 'An inline verifier spec (http parts: admin only)' }),
    task: TaskName.optional().openapi({ description: "Use this task's verifier (with this request's reference)" }),
    reference: z.string().max(LIMITS.referenceChars).nullable().optional().openapi({
      description: 'Reference answer; the stored references of a task are never used or revealed',
    }),
    prompt: z.string().max(MAX_PROMPT_CHARS).optional(),
    completions: z.array(z.string().max(LIMITS.completionChars)).min(1).max(MAX_VERIFY_COMPLETIONS),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.verifier === undefined) === (b.task === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "verifier" or "task"', path: [] })
    const total = b.completions.reduce((s, c) => s + c.length, 0)
    if (total > MAX_VERIFY_TOTAL_CHARS)
      ctx.addIssue({
        code: 'custom',
        message: `completions total ${total} characters; at most ${MAX_VERIFY_TOTAL_CHARS} per call`,
        path: ['completions'],
      })
  })
  .openapi('VerifyRequest')

export const VerdictSchema = z
  .object({
    status: z.enum(['ok', 'pending', 'error']),
    parts: z.record(z.string(), z.number()).optional().openapi({ description: 'Per-part scores (rewards/<name>)' }),
    extracted: z.string().optional().openapi({ description: 'The answer the verifier read from the completion' }),
    compared: z
      .object({ reference: z.string(), answer: z.string() })
      .optional()
      .openapi({ description: 'math: the reference answer and the answer as compared (normalised), to see why a reward is 0' }),
    reason: z.string().optional(),
  })
  .openapi('Verdict')

export const VerifyResult = z
  .object({
    status: z.enum(['ok', 'pending', 'error']).openapi({ description: 'error if any completion errored' }),
    rewards: z.array(z.number().nullable()).openapi({ description: 'One per completion; null on error' }),
    details: z.array(VerdictSchema),
  })
  .openapi('VerifyResult')

export const ReverifyQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(REVERIFY_MAX_BATCH)
    .default(REVERIFY_DEFAULT_BATCH)
    .openapi({ param: { name: 'limit', in: 'query' }, description: `Groups to retry (≤ ${REVERIFY_MAX_BATCH})` }),
})

export const ReverifyResult = z
  .object({
    attempted: z.number().int(),
    ready: z.number().int(),
    pending: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    groups: z.array(
      z.object({
        groupId: z.number().int(),
        status: z.enum(['pending', 'verify_failed', 'ready', 'claimed', 'trained', 'stale', 'discarded', 'skipped']),
        reason: z.string().optional(),
      }),
    ),
  })
  .openapi('ReverifyResult')
