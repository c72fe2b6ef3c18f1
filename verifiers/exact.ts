/** `exact`: normalised string equality with the reference (case, whitespace and punctuation options). */
import { z } from 'zod'
import { eachCompletion, requireReference } from './limits.js'
import type { VerifierDef } from './types.js'

export const exactSpec = z
  .object({
    type: z.literal('exact'),
    /** Compare case-sensitively (default: fold case). */
    caseSensitive: z.boolean().default(false),
    /** Collapse runs of whitespace to one space (default true); leading/trailing whitespace is always trimmed. */
    collapseWhitespace: z.boolean().default(true),
    /** Drop Unicode punctuation before comparing (default false). */
    stripPunctuation: z.boolean().default(false),
  })
  .strict()
export type ExactSpec = z.infer<typeof exactSpec>

export interface TextNormalization {
  caseSensitive: boolean
  collapseWhitespace: boolean
  stripPunctuation: boolean
}

/** Whitespace that collapsing would change: a run of two, or any whitespace other than a plain space. */
const UNCOLLAPSED = /\s\s|[^\S ]/

export function normalizeText(s: string, o: TextNormalization): string {
  let t = s
  if (o.stripPunctuation) t = t.replace(/\p{P}/gu, '')
  t = t.trim()
  // the test scans without building a string; most completions have nothing to collapse
  if (o.collapseWhitespace && UNCOLLAPSED.test(t)) t = t.replace(/\s+/g, ' ')
  if (!o.caseSensitive) t = t.toLowerCase()
  return t
}

export const exact: VerifierDef<ExactSpec> = {
  score(spec, input, ctx) {
    const ref = requireReference(input.reference, input.completions.length)
    if (typeof ref !== 'string') return ref
    const want = normalizeText(ref, spec)
    return eachCompletion(input.completions, ctx, (c) => {
      const got = normalizeText(c, spec)
      return { reward: got === want ? 1 : 0, status: 'ok', extracted: got }
    })
  },
}
