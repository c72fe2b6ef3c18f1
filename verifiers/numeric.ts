/**
 * `numeric`: the completion's final answer (math extraction) is a number within tolerance of the reference.
 * No CAS: plain numbers only (integers, decimals, fractions, scientific notation, percentages as written).
 */
import { z } from 'zod'
import { eachCompletion, requireReference, zero, failed } from './limits.js'
import { DEFAULT_EXTRACT_ORDER, EXTRACTORS, extractAnswer } from './math/extract.js'
import { normalizeAnswer } from './math/normalize.js'
import { parseRational, rationalEqual } from './math/number.js'
import type { VerifierDef } from './types.js'

export const numericSpec = z
  .object({
    type: z.literal('numeric'),
    extract: z.array(z.enum(EXTRACTORS)).min(1).max(EXTRACTORS.length).default(DEFAULT_EXTRACT_ORDER),
    /** Absolute tolerance (default 0). */
    abs: z.number().min(0).default(0),
    /** Relative tolerance (default 1e-9). */
    rel: z.number().min(0).max(1).default(1e-9),
  })
  .strict()
export type NumericSpec = z.infer<typeof numericSpec>

export const numeric: VerifierDef<NumericSpec> = {
  score(spec, input, ctx) {
    const ref = requireReference(input.reference, input.completions.length)
    if (typeof ref !== 'string') return ref
    const gold = parseRational(normalizeAnswer(extractAnswer(ref, ['boxed', 'hash'])?.answer ?? ref).text)
    if (!gold) return input.completions.map(() => failed('reference is not a number'))
    return eachCompletion(input.completions, ctx, (c) => {
      const found = extractAnswer(c, spec.extract)
      if (!found) return zero('no number found')
      const text = normalizeAnswer(found.answer.slice(0, 1000)).text
      const got = parseRational(text)
      if (!got) return zero('final answer is not a number', text)
      const ok = rationalEqual(gold, got, { abs: spec.abs, rel: spec.rel })
      return { reward: ok ? 1 : 0, status: 'ok', extracted: text }
    })
  },
}
