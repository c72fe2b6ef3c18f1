/**
 * `math`: extract the final answer from a completion and from the reference (the same way: a reference may be a
 * bare answer, a sentence, a LaTeX display or a full worked solution), and decide their mathematical equivalence.
 * Reward 1 when equivalent, else 0; `extracted` is the normalised prediction and `compared` both sides as
 * compared. See extract.ts (strategies), normalize.ts (what is stripped), structure.ts (answer shapes),
 * compare.ts (rules) and cas.ts (the CAS and why it was picked).
 */
import { z } from 'zod'
import { eachCompletionAsync, failed, requireReference, zero } from '../limits.js'
import type { VerifierDef } from '../types.js'
import { loadEngine } from './cas.js'
import { answerLimit, compareRead, DEFAULT_TOLERANCE, needsEngine, readAnswer, type AnswerText } from './compare.js'
import { DEFAULT_EXTRACT_ORDER, EXTRACTORS, extractAnswer, repairEscapes } from './extract.js'

export { mathEqual, DEFAULT_TOLERANCE, type AnswerText, type Equivalence, type EquivOptions } from './compare.js'
export { extractAnswer, EXTRACTORS, DEFAULT_EXTRACT_ORDER, type Extractor, type Found } from './extract.js'
export { normalizeAnswer } from './normalize.js'
export { parseRational } from './number.js'

export const mathSpec = z
  .object({
    type: z.literal('math'),
    /** Extraction strategies in priority order; adjacent anchored ones (boxed, hash, answer-tag, answer-is) and
     * adjacent trailing ones (latex, last-number) form groups in which the answer written last wins (extract.ts). */
    extract: z.array(z.enum(EXTRACTORS)).min(1).max(EXTRACTORS.length).default(DEFAULT_EXTRACT_ORDER),
    /** Numeric tolerance: equal when |a−b| ≤ abs or |a−b| ≤ rel·max(|a|,|b|). Default rel 1e-9, abs 0 (exact up to float noise: 87,367,946 ≠ 87,367,996; loosen it for rounded answers). */
    tolerance: z
      .object({ rel: z.number().min(0).max(1).default(DEFAULT_TOLERANCE.rel), abs: z.number().min(0).default(0) })
      .strict()
      .default(DEFAULT_TOLERANCE),
    /** Digits after the point numbers must agree to, as Math-Verify's `precision` (default unset: exact). `precision: 2` accepts 2.6667 for 8/3. */
    precision: z.number().int().min(0).max(15).optional(),
    /** Assignments on both sides must name the same variable: `x = 3` ≠ `y = 3` (default false: values compared). */
    strict: z.boolean().default(false),
    /** An inequality answer may match an interval reference: `-2 ≤ x ≤ 7` for `[-2,7]` (Math-Verify's `allow_set_relation_comp`; default false). */
    setRelation: z.boolean().default(false),
    /** Use the CAS when the fast paths cannot decide (default true). */
    cas: z.boolean().default(true),
  })
  .strict()
export type MathSpec = z.infer<typeof mathSpec>

/** A reference with no recognisable final answer is used whole when it is one short line. */
const MAX_WHOLE_REFERENCE = 200

/** The gold answer of a reference, extracted like a prediction; null when it has none. */
export function referenceAnswer(reference: string, order: readonly (typeof EXTRACTORS)[number][] = DEFAULT_EXTRACT_ORDER): AnswerText | null {
  const found = extractAnswer(reference, order)
  if (found) return found
  const t = repairEscapes(reference).trim()
  return t && t.length <= MAX_WHOLE_REFERENCE && !t.includes('\n') ? { answer: t, plain: true } : null
}

export const math: VerifierDef<MathSpec> = {
  async score(spec, input, ctx) {
    const ref = requireReference(input.reference, input.completions.length)
    if (typeof ref !== 'string') return ref
    const gold = referenceAnswer(ref)
    if (!gold) return input.completions.map(() => failed('reference: no final answer found'))
    const bad = answerLimit(gold.answer)
    if (bad) return input.completions.map(() => failed(`reference: ${bad}`))
    const g = readAnswer(gold)
    return eachCompletionAsync(input.completions, ctx, async (c) => {
      const f = extractAnswer(c, spec.extract)
      if (!f) return zero('no final answer found')
      const over = answerLimit(f.answer)
      if (over) return zero(over)
      const p = readAnswer(f)
      if (spec.cas && needsEngine(g, p)) {
        // Loading the CAS (once per process/isolate; seconds under a cold bundler) does not count against the budget.
        const t = ctx.now()
        await loadEngine()
        ctx.deadline += ctx.now() - t
      }
      const extracted = p.n.text
      const r = await compareRead(g, p, { tolerance: spec.tolerance, cas: spec.cas, precision: spec.precision, strict: spec.strict, setRelation: spec.setRelation })
      return {
        reward: r.equal ? 1 : 0,
        status: 'ok',
        extracted,
        compared: { reference: g.n.text, answer: extracted },
        reason: `${r.reason} (${r.path}, via ${f.by})`,
      }
    })
  },
}
