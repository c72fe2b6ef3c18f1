/** zod schemas of the task routes (request bodies are strict: unknown fields → 400). */
import { z } from '@hono/zod-openapi'
import { verifierSpec } from '../../../verifiers/index.js'
import { storedText } from '../../text.js'

export const MAX_PROMPTS_PER_REQUEST = 100_000
export const MAX_PROMPT_CHARS = 64 * 1024

export const TaskName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (1–64 characters, starting alphanumeric)')
  .openapi({ example: 'arith' })

/**
 * A verifier spec, validated by the verifier library's `verifierSpec` (defaults applied). Documented in OpenAPI
 * as an object with a `type`: the spec is recursive (weighted parts), which the OpenAPI generator cannot walk.
 */
export const VerifierField = z
  .looseObject({ type: z.string() })
  .openapi('VerifierSpec', {
    description: 'A verifier spec (see verifiers/): e.g. { "type": "exact" }, { "type": "math" }, { "type": "weighted", … }',
  })
  .transform((value, ctx) => {
    const parsed = verifierSpec.safeParse(value)
    if (parsed.success) return parsed.data
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path })
    return z.NEVER
  })

/** Longest system prompt of a chat task (characters). */
export const MAX_SYSTEM_PROMPT_CHARS = 16 * 1024

export const TaskChatField = z
  .object({ system: storedText(MAX_SYSTEM_PROMPT_CHARS).optional().openapi({ description: 'System message before each prompt' }) })
  .strict()
  .nullable()
  .openapi('TaskChat', {
    description: "Render prompts as chat messages ([system?, user]) with the model's chat template; null: the prompt text as is",
  })

export const CreateTaskBody = z
  .object({
    name: TaskName,
    verifier: VerifierField,
    groupSize: z.number().int().min(2).max(1024).openapi({ description: 'Completions per group (G)' }),
    maxNewTokens: z.number().int().min(1).max(32768).default(256),
    temperature: z.number().gt(0).max(10).default(1),
    topP: z.number().gt(0).max(1).default(1),
    topK: z.number().int().min(0).max(1_000_000).default(0).openapi({ description: '0: no top-k truncation' }),
    scaleRewards: z.enum(['group', 'batch', 'none']).default('group'),
    leaseSeconds: z.number().int().min(5).max(86_400).default(600),
    backpressure: z.boolean().default(true).openapi({
      description: 'Answer leases 503 + Retry-After while the queue holds more than the learner can train before it goes stale (inactive while no learner trains)',
    }),
    chat: TaskChatField.default(null),
  })
  .strict()
  .openapi('CreateTask')

export const TaskSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    verifier: z.record(z.string(), z.unknown()),
    groupSize: z.number().int(),
    maxNewTokens: z.number().int(),
    temperature: z.number(),
    topP: z.number(),
    topK: z.number().int(),
    scaleRewards: z.enum(['group', 'batch', 'none']),
    leaseSeconds: z.number().int(),
    backpressure: z.boolean(),
    chat: TaskChatField,
    createdAt: z.string(),
  })
  .openapi('Task')

export const PromptInput = z
  .object({
    prompt: storedText(MAX_PROMPT_CHARS).min(1),
    answer: storedText(MAX_PROMPT_CHARS).nullable().optional().openapi({ description: 'Reference answer' }),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()

export const InsertPromptsBody = z
  .object({ prompts: z.array(PromptInput).min(1).max(MAX_PROMPTS_PER_REQUEST) })
  .strict()
  .openapi('InsertPrompts')

export const TaskParams = z.object({ name: TaskName.openapi({ param: { name: 'name', in: 'path' } }) })
