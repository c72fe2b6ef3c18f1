/**
 * `format`: R1-style structure, e.g. `<think>…</think><answer>…</answer>`. Checks, for the tags in order: each
 * opening and closing tag appears exactly once, they come in the declared order, and (when `strict`) nothing but
 * whitespace lies outside the tags. Without `partialCredit` the reward is 1 only when every check passes; with
 * it, the reward is the fraction of checks passed (TRL-style "count xml" shaping). Linear scans only.
 */
import { z } from 'zod'
import { eachCompletion } from './limits.js'
import type { VerifierDef } from './types.js'

export const formatSpec = z
  .object({
    type: z.literal('format'),
    /** Tag names in their required order (default think, answer). */
    tags: z.array(z.string().regex(/^[A-Za-z][\w-]{0,31}$/)).min(1).max(8).default(['think', 'answer']),
    /** Nothing but whitespace outside the tags (default true). */
    strict: z.boolean().default(true),
    /** Reward the fraction of checks passed instead of all-or-nothing (default false). */
    partialCredit: z.boolean().default(false),
  })
  .strict()
export type FormatSpec = z.infer<typeof formatSpec>

function count(s: string, needle: string): number {
  let n = 0
  for (let i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length)) n++
  return n
}

export function formatScore(text: string, spec: Pick<FormatSpec, 'tags' | 'strict'>): { passed: number; total: number; failures: string[] } {
  const failures: string[] = []
  let passed = 0
  let total = 0
  const spans: [number, number][] = []
  for (const tag of spec.tags) {
    for (const t of [`<${tag}>`, `</${tag}>`]) {
      total++
      const n = count(text, t)
      if (n === 1) passed++
      else failures.push(`${t} appears ${n} times`)
    }
    spans.push([text.indexOf(`<${tag}>`), text.indexOf(`</${tag}>`)])
  }
  total++
  let ordered = true
  let prev = -1
  for (const [open, close] of spans) {
    if (open < 0 || close < 0 || open < prev || close < open) ordered = false
    prev = close
  }
  if (ordered) passed++
  else failures.push('tags missing or out of order')
  if (spec.strict) {
    total++
    let outside = ordered
    if (ordered) {
      let pos = 0
      for (let k = 0; k < spans.length && outside; k++) {
        if (text.slice(pos, spans[k][0]).trim() !== '') outside = false
        pos = spans[k][1] + spec.tags[k].length + 3
      }
      if (text.slice(pos).trim() !== '') outside = false
    }
    if (outside) passed++
    else failures.push('text outside the tags')
  }
  return { passed, total, failures }
}

export const format: VerifierDef<FormatSpec> = {
  score(spec, input, ctx) {
    return eachCompletion(input.completions, ctx, (c) => {
      const r = formatScore(c, spec)
      const reward = spec.partialCredit ? r.passed / r.total : r.passed === r.total ? 1 : 0
      return { reward, status: 'ok', reason: r.failures.length ? r.failures.join('; ') : 'well-formed' }
    })
  },
}
