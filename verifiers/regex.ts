/**
 * `regex`: does the completion match a pattern (mode `match`), or does a captured group equal the reference
 * (mode `capture`)? JavaScript's backtracking engine can take exponential or high-polynomial time, so patterns
 * are checked before use (the ReDoS rule, enforced when the spec is parsed):
 *   1. pattern ≤ LIMITS.regexPatternChars; flags only from `imsu`; it must compile;
 *   2. no backreferences (`\1`…`\9`, `\k<name>`);
 *   3. star height ≤ 1: a quantified group may contain neither a quantifier nor an alternation `|`
 *      (rejects `(a+)+`, `(a*)*`, `(a|aa)+`, `(\w+\s?)*`; write `[ab]+` instead of `(a|b)+`);
 *   4. counted repetitions `{n,m}` have m ≤ 1000.
 * Polynomial backtracking remains (e.g. `a*a*b`: O(n³) over n input characters). It is bounded by the input
 * window: with k unbounded quantifiers (`*`, `+`, `{n,}`) and B the product of the bounded ranges, the regex
 * sees only the last n characters where n^(k+1)·B ≤ REGEX_STEP_BUDGET (n ≤ LIMITS.regexInputChars), so one call
 * costs at most ~2e7 backtracking steps in the worst case (≈ 30 ms measured) and usually microseconds.
 */
import { z } from 'zod'
import { normalizeText } from './exact.js'
import { eachCompletion, LIMITS, requireReference } from './limits.js'
import type { VerifierDef } from './types.js'

export const REGEX_STEP_BUDGET = 2e7

export interface RegexCost {
  /** Unbounded quantifiers (`*`, `+`, `{n,}`). */
  unbounded: number
  /** Product of bounded quantifier ranges (`?` counts 2, `{n,m}` counts m−n+1). */
  bounded: number
}

/** Static ReDoS check; returns the pattern's cost figures or throws Error with the reason. */
export function analyzeRegex(pattern: string, flags = ''): RegexCost {
  if (pattern.length > LIMITS.regexPatternChars)
    throw new Error(`pattern longer than ${LIMITS.regexPatternChars} characters`)
  if (!/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) throw new Error('flags must be from "imsu"')
  try {
    new RegExp(pattern, flags)
  } catch (e) {
    throw new Error(`invalid pattern: ${(e as Error).message}`)
  }
  // Frames of open groups: did they contain a quantifier or an alternation?
  const frames: { quantified: boolean; alternation: boolean }[] = [{ quantified: false, alternation: false }]
  let unbounded = 0
  let bounded = 1
  let lastGroup: { quantified: boolean; alternation: boolean } | null = null
  let i = 0
  const quantify = (min: number, max: number) => {
    if (lastGroup && (lastGroup.quantified || lastGroup.alternation))
      throw new Error('nested quantifier or quantified alternation (star height > 1) is not allowed')
    frames[frames.length - 1].quantified = true
    if (max === Infinity) unbounded++
    else bounded *= max - min + 1
    lastGroup = null
  }
  while (i < pattern.length) {
    const c = pattern[i]
    if (c === '\\') {
      const n = pattern[i + 1] ?? ''
      if (/[1-9]/.test(n) || (n === 'k' && pattern[i + 2] === '<')) throw new Error('backreferences are not allowed')
      lastGroup = null
      i += 2
    } else if (c === '[') {
      i++
      if (pattern[i] === '^') i++
      if (pattern[i] === ']') i++
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1
      i++
      lastGroup = null
    } else if (c === '(') {
      frames.push({ quantified: false, alternation: false })
      lastGroup = null
      i++
    } else if (c === ')') {
      const f = frames.pop()!
      lastGroup = f
      // A group's inner quantifiers count for its parent too (star height is about nesting).
      if (f.quantified) frames[frames.length - 1].quantified = true
      i++
    } else if (c === '|') {
      frames[frames.length - 1].alternation = true
      lastGroup = null
      i++
    } else if (c === '*' || c === '+' || c === '?') {
      quantify(c === '?' ? 0 : c === '+' ? 1 : 0, c === '?' ? 1 : Infinity)
      i++
      if (pattern[i] === '?') i++ // lazy
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i))
      if (!m) {
        lastGroup = null
        i++
        continue
      }
      const min = Number(m[1])
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])
      if (max !== Infinity && max > 1000) throw new Error('counted repetition above 1000')
      if (min > 1000) throw new Error('counted repetition above 1000')
      quantify(min, max)
      i += m[0].length
      if (pattern[i] === '?') i++
    } else {
      lastGroup = null
      i++
    }
  }
  if (bounded > REGEX_STEP_BUDGET / 100) throw new Error('too many bounded repetitions (pattern too costly)')
  return { unbounded, bounded }
}

/** Longest input window the pattern may scan: n^(k+1)·B ≤ REGEX_STEP_BUDGET. */
export function regexWindow(cost: RegexCost): number {
  const n = Math.floor(Math.pow(REGEX_STEP_BUDGET / cost.bounded, 1 / (cost.unbounded + 1)))
  return Math.max(16, Math.min(LIMITS.regexInputChars, n))
}

export const regexSpec = z
  .object({
    type: z.literal('regex'),
    pattern: z.string().min(1),
    /** Subset of `imsu`. */
    flags: z.string().default(''),
    /** match: reward 1 when the pattern matches; capture: reward 1 when the captured group equals the reference. */
    mode: z.enum(['match', 'capture']).default('match'),
    /** Capture group (index or name) for mode `capture`. */
    group: z.union([z.number().int().min(0), z.string().min(1)]).default(1),
    /** Compare the captured text case-sensitively (mode `capture`). */
    caseSensitive: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    try {
      analyzeRegex(s.pattern, s.flags)
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: (e as Error).message })
    }
  })
export type RegexSpec = z.infer<typeof regexSpec>

export const regex: VerifierDef<RegexSpec> = {
  score(spec, input, ctx) {
    const window = regexWindow(analyzeRegex(spec.pattern, spec.flags))
    const re = new RegExp(spec.pattern, spec.flags)
    const norm = { caseSensitive: spec.caseSensitive, collapseWhitespace: true, stripPunctuation: false }
    let want = ''
    if (spec.mode === 'capture') {
      const ref = requireReference(input.reference, input.completions.length)
      if (typeof ref !== 'string') return ref
      want = normalizeText(ref, norm)
    }
    return eachCompletion(input.completions, ctx, (c) => {
      const text = c.length > window ? c.slice(c.length - window) : c
      const cut = c.length > window ? ` (matched on the last ${window} characters)` : ''
      const m = re.exec(text)
      if (spec.mode === 'match') return { reward: m ? 1 : 0, status: 'ok', reason: (m ? 'matched' : 'no match') + cut }
      const got = m ? (typeof spec.group === 'number' ? m[spec.group] : m.groups?.[spec.group]) : undefined
      if (got === undefined) return { reward: 0, status: 'ok', reason: 'no capture' + cut }
      const g = normalizeText(got, norm)
      return { reward: g === want ? 1 : 0, status: 'ok', extracted: g }
    })
  },
}
