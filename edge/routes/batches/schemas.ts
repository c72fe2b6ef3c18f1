/** zod schemas of the batch routes (external trainers). Limits are explicit constants; bodies are strict. */
import { z } from '@hono/zod-openapi'
import { TaskName } from '../tasks/schemas.js'

/** Most groups one batch may claim. */
export const MAX_BATCH_GROUPS = 1024
/** Claim lifetime bounds (seconds); default 120 s, renew every third of it while a step runs. */
export const DEFAULT_CLAIM_SECONDS = 120
export const MAX_CLAIM_SECONDS = 3600

const ClaimSeconds = z
  .number()
  .int()
  .min(5)
  .max(MAX_CLAIM_SECONDS)
  .optional()
  .openapi({ description: `Claim lifetime in seconds (default ${DEFAULT_CLAIM_SECONDS}); unacknowledged groups return to the queue after it` })

export const ClaimBatchBody = z
  .object({
    groups: z.number().int().min(1).max(MAX_BATCH_GROUPS).openapi({ description: 'Most groups to claim (fewer when fewer are ready)' }),
    task: TaskName.optional().openapi({ description: 'Only groups of this task (default: every task)' }),
    maxStaleness: z
      .number()
      .int()
      .min(0)
      .optional()
      .openapi({ description: 'Ready groups generated more than this many versions behind the newest are marked stale (never served) before claiming' }),
    claimSeconds: ClaimSeconds,
  })
  .strict()
  .openapi('ClaimBatch')

export const BatchParams = z.object({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .openapi({ param: { name: 'id', in: 'path' } }),
})

export const RenewBatchBody = z.object({ claimSeconds: ClaimSeconds }).strict().openapi('RenewBatch')

export const CompleteBatchBody = z
  .object({
    step: z.number().int().min(0).max(2 ** 31 - 1).openapi({ description: "The trainer's optimisation step that consumed the batch" }),
    policyVersion: z.number().int().min(0).optional().openapi({ description: 'Version the step started from (default: the batch policyVersion)' }),
    metrics: z.record(z.string().max(200), z.number()).optional().openapi({ description: 'Step metrics (TRL names welcome), stored in train_steps' }),
  })
  .strict()
  .openapi('CompleteBatch')

const BatchCompletionSchema = z.object({
  index: z.number().int(),
  text: z.string(),
  tokenIds: z.array(z.number().int()).nullable(),
  logprobs: z
    .array(z.number())
    .nullable()
    .openapi({ description: 'log-softmax(logits / temperature) of each token under the generating policy, before top-k/top-p truncation' }),
  finishReason: z.enum(['stop', 'length']).nullable(),
  reward: z.number(),
  advantage: z.number(),
})

const BatchGroupSchema = z.object({
  id: z.number().int(),
  task: z.object({ name: z.string(), temperature: z.number(), maxNewTokens: z.number().int(), scaleRewards: z.enum(['group', 'batch', 'none']) }),
  prompt: z.object({ id: z.number().int(), text: z.string() }),
  policyVersion: z.number().int().openapi({ description: 'Model version that generated the completions' }),
  completions: z.array(BatchCompletionSchema),
})

export const BatchSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(['open', 'completed', 'released', 'expired']),
    policyVersion: z.number().int().openapi({ description: 'Newest published version when claimed' }),
    expiresAt: z.string().nullable().openapi({ description: 'Claim expiry (ISO 8601) while open' }),
    step: z.number().int().nullable(),
    groupIds: z.array(z.number().int()),
    staleMarked: z.number().int().optional(),
    groups: z.array(BatchGroupSchema).optional(),
  })
  .openapi('Batch')

export type BatchView = z.infer<typeof BatchSchema>
export type BatchGroupView = z.infer<typeof BatchGroupSchema>
