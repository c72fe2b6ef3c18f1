/**
 * `choice`: multiple choice (A/B/C/D…). The chosen letter comes from `\boxed{X}`, `<answer>X</answer>`, "answer
 * is (X)" / "answer: X" (the label opening that sentence), or else the last standalone upper-case choice letter
 * (`(C)`, `C.`, ` C `). Hedging scores 0: a box or tag naming two different choices (`\boxed{A, C}`), or "the answer
 * is A or B", is ambiguous.
 */
import { z } from 'zod'
import { eachCompletion, failed, requireReference, zero } from './limits.js'
import { answerSentence, extractAnswer } from './math/extract.js'
import type { VerifierDef } from './types.js'

export const choiceSpec = z
  .object({
    type: z.literal('choice'),
    /** The allowed labels, one character each (default A–D). */
    choices: z.array(z.string().regex(/^[A-Za-z0-9]$/)).min(2).max(26).default(['A', 'B', 'C', 'D']),
  })
  .strict()
export type ChoiceSpec = z.infer<typeof choiceSpec>

function lettersIn(s: string, allowed: Set<string>): string[] {
  const out: string[] = []
  for (const m of s.matchAll(/(?<![A-Za-z0-9])([A-Za-z0-9])(?![A-Za-z0-9])/g)) {
    const l = m[1].toUpperCase()
    if (allowed.has(l)) out.push(l)
  }
  return out
}

/** The chosen label, 'ambiguous', or null. */
export function extractChoice(text: string, choices: string[]): string | null | 'ambiguous' {
  const allowed = new Set(choices.map((c) => c.toUpperCase()))
  const sentence = answerSentence(text)
  const found =
    extractAnswer(text, ['boxed']) ?? extractAnswer(text, ['answer-tag']) ?? (sentence === null ? null : { answer: sentence, by: 'answer-is' })
  if (found) {
    const region = found.answer.slice(0, 200).replace(/\\text\{([^}]*)\}/g, '$1')
    if (found.by === 'answer-is') {
      // "The answer is (B), since A ignores friction": the label that opens the sentence decides, unless an
      // alternative follows it ("B or C", "B, C", "B/C").
      const lead = /^\s*(?:option|choice)?\s*\(?([A-Za-z0-9])\)?(?![A-Za-z0-9])(\s*(?:or|and|,|\/)\s*\(?[A-Za-z0-9]\)?(?![A-Za-z0-9]))?/i.exec(region)
      if (lead && allowed.has(lead[1].toUpperCase())) return lead[2] ? 'ambiguous' : lead[1].toUpperCase()
    }
    const ls = [...new Set(lettersIn(region, allowed))]
    if (ls.length === 1) return ls[0]
    if (ls.length > 1) return 'ambiguous'
  }
  // Fallback: last standalone upper-case label, e.g. "(C)" or "C." (lower-case words like "a" are ignored).
  let last: string | null = null
  for (const m of text.matchAll(/(?<![A-Za-z0-9])([A-Z0-9])(?![A-Za-z0-9'])/g)) if (allowed.has(m[1])) last = m[1]
  return last
}

export const choice: VerifierDef<ChoiceSpec> = {
  score(spec, input, ctx) {
    const ref = requireReference(input.reference, input.completions.length)
    if (typeof ref !== 'string') return ref
    const gold = ref.trim().replace(/^\(|\)$/g, '').toUpperCase()
    if (!spec.choices.map((c) => c.toUpperCase()).includes(gold))
      return input.completions.map(() => failed('reference is not one of the choices'))
    return eachCompletion(input.completions, ctx, (c) => {
      const got = extractChoice(c, spec.choices)
      if (got === null) return zero('no choice found')
      if (got === 'ambiguous') return zero('several choices given')
      return { reward: got === gold ? 1 : 0, status: 'ok', extracted: got }
    })
  },
}
