/**
 * The verifier seam: the edge (group submission, /v1/verify) and the learner's demo score answers through this
 * module only. A verifier spec is JSON (stored on a task); `verifyGroup` scores a group of completions.
 *
 * Placeholder holding only `exact`; the full library (math, regex, choice, numeric, format, json-schema,
 * code-syntax, language, length, http, weighted, human) grows behind the same two exports.
 */
import { z } from 'zod'

export const exactSpec = z
  .object({
    type: z.literal('exact'),
    caseSensitive: z.boolean().default(false),
    collapseWhitespace: z.boolean().default(true),
  })
  .strict()

export const verifierSpec = z.discriminatedUnion('type', [exactSpec])
export type VerifierSpec = z.infer<typeof verifierSpec>
export type VerifierSpecInput = z.input<typeof verifierSpec>

export interface VerifyInput {
  prompt?: string
  /** The task's reference answer (never echoed to workers or raters). */
  reference: string | null
  completions: string[]
}

export interface CompletionVerdict {
  /** Reward in [0, 1] for most verifiers; null while pending or on error. */
  reward: number | null
  /** ok: scored. pending: waits on something (human ratings). error: the verifier failed (never a silent 0). */
  status: 'ok' | 'pending' | 'error'
  /** Per-part scores of a composite verifier (TRL-style rewards/<name>). */
  parts?: Record<string, number>
  /** What the verifier extracted from the completion (e.g. the final answer). */
  extracted?: string
  reason?: string
}

export interface GroupVerdict {
  rewards: (number | null)[]
  details: CompletionVerdict[]
  /** ok when every completion is ok; pending if any is pending (and none errored); error if any errored. */
  status: 'ok' | 'pending' | 'error'
}

function normalize(s: string, spec: z.infer<typeof exactSpec>): string {
  let t = s.trim()
  if (spec.collapseWhitespace) t = t.replace(/\s+/g, ' ')
  if (!spec.caseSensitive) t = t.toLowerCase()
  return t
}

export async function verifyGroup(spec: VerifierSpec, input: VerifyInput): Promise<GroupVerdict> {
  const details: CompletionVerdict[] = input.completions.map((c) => {
    const ref = input.reference ?? ''
    const ok = normalize(c, spec) === normalize(ref, spec)
    return { reward: ok ? 1 : 0, status: 'ok', extracted: normalize(c, spec) }
  })
  return { rewards: details.map((d) => d.reward), details, status: 'ok' }
}
