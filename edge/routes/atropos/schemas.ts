/**
 * Atropos' request bodies (atroposlib/api/server.py: Registration, RegisterEnv, EnvIdentifier, ScoredData) with
 * the checks Atropos did not make: row counts of masks/scores/per-token arrays against tokens, each row's length,
 * masks that are −100 or the token itself, finite scores, explicit size limits. Unknown fields are ignored, as
 * pydantic does, so newer clients keep working.
 */
import { z } from 'zod'

/** Most sequences in one group. */
export const MAX_GROUP_SEQUENCES = 1024
/** Longest sequence (prompt + completion tokens). */
export const MAX_SEQUENCE_TOKENS = 131_072
/** Most groups in one /scored_data_list. */
export const MAX_LIST_GROUPS = 1024
/** Atropos' "not trained" label. */
export const IGNORE_INDEX = -100

const int = z.number().int()
const name = z.string().min(1).max(200)

export const Registration = z.object({
  wandb_group: name,
  wandb_project: z.string().max(200),
  batch_size: int.min(1).max(1_000_000),
  max_token_len: int.min(1).max(10_000_000),
  checkpoint_dir: z.string().max(2000),
  save_checkpoint_interval: int,
  starting_step: int.min(0),
  num_steps: int.min(0),
})

export const RegisterEnv = z.object({
  max_token_length: int.min(1).max(10_000_000),
  desired_name: name.regex(/^[\w.\-]+$/, 'letters, digits, "_", "." and "-" only'),
  weight: z.number().finite().min(0),
  group_size: int.min(1).max(MAX_GROUP_SEQUENCES),
  min_batch_allocation: z.number().min(0).max(1).nullable().optional(),
})

export const EnvIdentifier = z.object({ env_id: int.min(0) })

/**
 * Per-token arrays are checked with one loop each instead of a zod schema per element: a group of 8 × 320 tokens
 * carries ~20,000 numbers, and per-element schemas cost most of the request's CPU.
 */
function numbers(what: string, ok: (x: unknown) => boolean, o: { min?: number; max?: number } = {}) {
  return z.unknown().superRefine((v, ctx) => {
    if (!Array.isArray(v)) return void ctx.addIssue({ code: 'custom', message: 'must be an array' })
    if (v.length < (o.min ?? 0)) return void ctx.addIssue({ code: 'custom', message: `must not be empty` })
    if (v.length > (o.max ?? Infinity)) return void ctx.addIssue({ code: 'custom', message: `has ${v.length} entries; at most ${o.max}` })
    const bad = v.findIndex((x) => !ok(x))
    if (bad >= 0) ctx.addIssue({ code: 'custom', path: [bad], message: `must be ${what}; got ${JSON.stringify(v[bad])}` })
  }) as unknown as z.ZodType<number[]>
}
const isTokenId = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 2 ** 31 - 1
const tokenRow = numbers('a token id (an integer in [0, 2^31))', isTokenId, { min: 1, max: MAX_SEQUENCE_TOKENS })
const maskRow = numbers('an integer', Number.isInteger, { max: MAX_SEQUENCE_TOKENS })
const floatRow = numbers('a number', (x) => typeof x === 'number', { max: MAX_SEQUENCE_TOKENS })
const floatRows = z.array(floatRow).nullable().optional()
const message = z.looseObject({ role: z.string(), content: z.unknown() })

export const ScoredData = z
  .object({
    tokens: z.array(tokenRow).min(1).max(MAX_GROUP_SEQUENCES),
    masks: z.array(maskRow).min(1).max(MAX_GROUP_SEQUENCES),
    scores: z.array(z.number().finite()).min(1).max(MAX_GROUP_SEQUENCES),
    advantages: floatRows,
    ref_logprobs: floatRows,
    messages: z.array(z.array(message)).nullable().optional(),
    generation_params: z.record(z.string(), z.unknown()).nullable().optional(),
    inference_logprobs: floatRows,
    overrides: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
    group_overrides: z.record(z.string(), z.unknown()).nullable().optional(),
    images: z.unknown().optional(),
    env_id: int.min(0).nullable().optional(),
  })
  .superRefine((d, ctx) => {
    const g = d.tokens.length
    const rows = (key: string, v: unknown[] | null | undefined) => {
      if (v && v.length !== g) ctx.addIssue({ code: 'custom', path: [key], message: `has ${v.length} rows; tokens has ${g}` })
    }
    rows('masks', d.masks)
    rows('scores', d.scores)
    rows('messages', d.messages)
    rows('overrides', d.overrides)
    for (const key of ['masks', 'advantages', 'ref_logprobs', 'inference_logprobs'] as const) {
      const v = d[key]
      if (!v) continue
      rows(key, v)
      v.forEach((row, i) => {
        if (d.tokens[i] && row.length !== d.tokens[i].length)
          ctx.addIssue({ code: 'custom', path: [key, i], message: `has ${row.length} entries; tokens[${i}] has ${d.tokens[i].length}` })
      })
    }
    d.masks.forEach((row, i) => {
      const t = d.tokens[i]
      if (!t || row.length !== t.length) return
      const k = row.findIndex((m, j) => m !== IGNORE_INDEX && m !== t[j])
      if (k >= 0)
        ctx.addIssue({ code: 'custom', path: ['masks', i, k], message: `must be ${IGNORE_INDEX} (not trained) or the token ${t[k]}; got ${row[k]}` })
    })
  })

export type ScoredDataBody = z.infer<typeof ScoredData>
export const ScoredDataList = z.array(ScoredData).min(1).max(MAX_LIST_GROUPS)
