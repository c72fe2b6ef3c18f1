/** zod schemas of the lease routes. Limits are explicit constants; bodies are strict (unknown fields → 400). */
import { z } from '@hono/zod-openapi'
import { ProblemSchema } from '../../problem.js'
import { storedText } from '../../text.js'
import { TaskChatField, TaskName } from '../tasks/schemas.js'

/** Longest completion text accepted (characters). */
export const MAX_COMPLETION_CHARS = 256 * 1024
/** Longest token-id / log-prob array per completion (also bounded by the task's maxNewTokens). */
export const MAX_COMPLETION_TOKENS = 32768
/** Token ids are int32 (vocabularies are far smaller). */
const MAX_TOKEN_ID = 2 ** 31 - 1

/** Most leases one POST /v1/leases hands out, and most groups one POST /v1/groups takes. */
export const MAX_BATCH = 64

export const CreateLeaseBody = z
  .object({
    task: TaskName,
    count: z
      .number()
      .int()
      .min(1)
      .max(MAX_BATCH)
      .optional()
      .openapi({ description: `Lease up to this many prompts at once (answered as { leases: [...] }, possibly fewer). Without it: one lease object.` }),
  })
  .strict()
  .openapi('CreateLease')

export const LeaseSchema = z
  .object({
    leaseId: z.number().int(),
    prompt: z.object({ id: z.number().int(), text: z.string() }),
    groupSize: z.number().int(),
    modelVersion: z.number().int().openapi({ description: 'Newest published model version (version 0 is the base model the learner publishes at start; 0 is also answered while nothing is published yet)' }),
    expiresAt: z.string().openapi({ description: 'ISO 8601; submit the group before this' }),
    generation: z.object({
      maxNewTokens: z.number().int(),
      temperature: z.number(),
      topP: z.number(),
      topK: z.number().int(),
    }),
    chat: TaskChatField,
  })
  .openapi('Lease')

/** Longest base64 string of a packed array (MAX_COMPLETION_TOKENS × 4 bytes). */
const MAX_PACKED_BASE64 = 4 * Math.ceil((MAX_COMPLETION_TOKENS * 4) / 3)

/** Base64 of packed little-endian 4-byte values: decoded and checked in submit.ts (cheaply, on typed views). */
const packedBase64 = (what: string) =>
  z
    .string()
    .max(MAX_PACKED_BASE64)
    .openapi({ format: 'byte', description: `standard base64 (with padding) of ${what}, 4 bytes per token` })

export const CompletionInput = z
  .object({
    text: storedText(MAX_COMPLETION_CHARS),
    tokenIds: z
      .union([
        packedBase64('little-endian int32 token ids (each ≥ 0)'),
        z.array(z.number().int().min(0).max(MAX_TOKEN_ID)).max(MAX_COMPLETION_TOKENS),
      ])
      .optional()
      .openapi({
        description:
          'Token ids: a JSON array, or (compact, what the typed client sends) base64 of the little-endian int32 ' +
          'bytes — e.g. numpy `base64.b64encode(np.asarray(ids, "<i4").tobytes())`.',
      }),
    logprobs: z
      .union([packedBase64('little-endian float32 log-probs (each finite and ≤ 0)'), z.array(z.number().max(0)).max(MAX_COMPLETION_TOKENS)])
      .optional()
      .openapi({
        description:
          'Per-token log-probs of tokenIds under the generating policy: log-softmax(logits / temperature) ' +
          'before top-k/top-p truncation (the TRL convention). A JSON array, or base64 of the little-endian ' +
          'float32 bytes (stored as float32 either way). Either encoding of the same values is the same submission.',
      }),
    finishReason: z.enum(['stop', 'length']).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.logprobs && !c.tokenIds) ctx.addIssue({ code: 'custom', message: 'logprobs need tokenIds', path: ['logprobs'] })
    // lengths of base64 arrays are checked once decoded (submit.ts)
    if (Array.isArray(c.logprobs) && Array.isArray(c.tokenIds) && c.logprobs.length !== c.tokenIds.length)
      ctx.addIssue({
        code: 'custom',
        message: `logprobs has ${c.logprobs.length} entries but tokenIds has ${c.tokenIds.length}`,
        path: ['logprobs'],
      })
  })

export const SubmitGroupBody = z
  .object({
    modelVersion: z.number().int().min(0).openapi({ description: 'Model version that generated the completions' }),
    completions: z.array(CompletionInput).min(1).max(1024),
  })
  .strict()
  .openapi('SubmitGroup')

export const GroupResultSchema = z
  .object({
    groupId: z.number().int(),
    status: z.enum(['pending', 'verify_failed', 'ready', 'claimed', 'trained', 'stale', 'discarded']),
    rewards: z.array(z.number().nullable()),
    advantages: z
      .array(z.number())
      .nullable()
      .openapi({ description: 'Group-normalised: (r − mean) / (std + 1e-4), Bessel std; null until scored' }),
  })
  .openapi('GroupResult')

export const LeaseBatchSchema = z.object({ leases: z.array(LeaseSchema) }).openapi('LeaseBatch')

const LeaseId = z
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1)

export const SubmitGroupsBody = z
  .object({
    groups: z
      .array(SubmitGroupBody.extend({ leaseId: LeaseId }).strict())
      .min(1)
      .max(MAX_BATCH)
      .superRefine((gs, ctx) => {
        const seen = new Set<number>()
        gs.forEach((g, i) => {
          if (seen.has(g.leaseId)) ctx.addIssue({ code: 'custom', message: `lease ${g.leaseId} appears twice`, path: [i, 'leaseId'] })
          seen.add(g.leaseId)
        })
      }),
  })
  .strict()
  .openapi('SubmitGroups')

export const GroupOutcomeSchema = z
  .object({
    leaseId: z.number().int(),
    status: z.number().int().openapi({ description: '201 stored, 200 the same group again (replay), else the refusal status' }),
    group: GroupResultSchema.optional(),
    problem: ProblemSchema.optional(),
  })
  .openapi('GroupOutcome')

export const SubmitGroupsResult = z
  .object({ results: z.array(GroupOutcomeSchema).openapi({ description: 'One per submitted group, in request order' }) })
  .openapi('SubmitGroupsResult')

export const LeaseParams = z.object({
  leaseId: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .openapi({ param: { name: 'leaseId', in: 'path' } }),
})
