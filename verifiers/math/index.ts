/**
 * `math`: extract the final answer from a completion and decide its mathematical equivalence with the reference.
 * Reward 1 when equivalent, else 0; `extracted` is the normalised prediction. See extract.ts (strategies),
 * normalize.ts (what is stripped), compare.ts (shapes and fast paths) and cas.ts (the CAS and why it was picked).
 */
import { z } from 'zod'
import { eachCompletionAsync, failed, requireReference, zero } from '../limits.js'
import type { VerifierDef } from '../types.js'
import { loadEngine } from './cas.js'
import { answerLimit, DEFAULT_TOLERANCE, mathEqual } from './compare.js'
import { DEFAULT_EXTRACT_ORDER, EXTRACTORS, extractAnswer } from './extract.js'
import { normalizeAnswer } from './normalize.js'

export { mathEqual, DEFAULT_TOLERANCE, type Equivalence, type EquivOptions } from './compare.js'
export { extractAnswer, EXTRACTORS, DEFAULT_EXTRACT_ORDER, type Extractor } from './extract.js'
export { normalizeAnswer } from './normalize.js'
export { parseRational } from './number.js'

export const mathSpec = z
  .object({
    type: z.literal('math'),
    /** Extraction strategies, tried in order (see extract.ts). */
    extract: z.array(z.enum(EXTRACTORS)).min(1).max(EXTRACTORS.length).default(DEFAULT_EXTRACT_ORDER),
    /** Numeric tolerance: equal when |a−b| ≤ abs or |a−b| ≤ rel·max(|a|,|b|). Default rel 1e-9, abs 0 (exact up to float noise: 87,367,946 ≠ 87,367,996; loosen it for rounded answers). */
    tolerance: z
      .object({ rel: z.number().min(0).max(1).default(DEFAULT_TOLERANCE.rel), abs: z.number().min(0).default(0) })
      .strict()
      .default(DEFAULT_TOLERANCE),
    /** Use the CAS when the fast paths cannot decide (default true). */
    cas: z.boolean().default(true),
  })
  .strict()
export type MathSpec = z.infer<typeof mathSpec>

/** The gold answer of a reference: its `\boxed{}` or `#### N` if it is a full solution, else the whole string. */
export function referenceAnswer(reference: string): string {
  return extractAnswer(reference, ['boxed', 'hash'])?.answer ?? reference
}

export const math: VerifierDef<MathSpec> = {
  async score(spec, input, ctx) {
    const ref = requireReference(input.reference, input.completions.length)
    if (typeof ref !== 'string') return ref
    const gold = referenceAnswer(ref)
    const bad = answerLimit(gold)
    if (bad) return input.completions.map(() => failed(`reference: ${bad}`))
    if (spec.cas && input.completions.length > 0) {
      // Loading the CAS (once per process/isolate; seconds under a cold bundler) does not count against the budget.
      const t = ctx.now()
      await loadEngine()
      ctx.deadline += ctx.now() - t
    }
    return eachCompletionAsync(input.completions, ctx, async (c) => {
      const found = extractAnswer(c, spec.extract)
      if (!found) return zero('no final answer found')
      const over = answerLimit(found.answer)
      if (over) return zero(over)
      const extracted = normalizeAnswer(found.answer).text
      const r = await mathEqual(gold, found.answer, { tolerance: spec.tolerance, cas: spec.cas })
      return { reward: r.equal ? 1 : 0, status: 'ok', extracted, reason: `${r.reason} (${r.path}, via ${found.by})` }
    })
  },
}
