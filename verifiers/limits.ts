/**
 * Explicit limits of the verifier library, and helpers that apply them. A completion over a limit scores 0 with
 * a reason (the model's fault, status ok); a reference or spec over a limit is a configuration error (status error).
 * JavaScript cannot pre-empt a synchronous scorer, so the time bound is enforced two ways: every input to an
 * expensive step (CAS, parser, regex) is size- and depth-bounded so one call stays in milliseconds, and the group
 * deadline is checked between completions (completions past it get status 'error', reason 'time budget exceeded').
 * Loading a library on first use (the CAS) extends the deadline by the load time.
 */
import type { CompletionVerdict, RunContext } from './types.js'

export const LIMITS = {
  /** Longest completion any verifier reads (characters). */
  completionChars: 256 * 1024,
  /** Longest reference answer (characters). */
  referenceChars: 64 * 1024,
  /** Longest extracted math answer handed to the normaliser/CAS (characters). */
  mathAnswerChars: 500,
  /** Deepest {}/()/[] nesting in a math answer. */
  mathNesting: 24,
  /** Longest code block parsed by code-syntax (characters). */
  codeChars: 64 * 1024,
  /** Longest JSON answer parsed by json-schema / code-syntax json (characters). */
  jsonChars: 256 * 1024,
  /** Deepest JSON nesting accepted. */
  jsonNesting: 64,
  /** Regex pattern length. */
  regexPatternChars: 512,
  /** Text a regex runs on (characters; the tail of the completion beyond it is cut). */
  regexInputChars: 16 * 1024,
  /** Nesting depth of composite (weighted) specs. */
  specDepth: 4,
  /** Completions per group. */
  groupSize: 1024,
} as const

/** Default time budget of one verifyGroup call (ms). */
export const DEFAULT_GROUP_TIMEOUT_MS = 5000

export const zero = (reason: string, extracted?: string): CompletionVerdict => ({
  reward: 0,
  status: 'ok',
  reason,
  ...(extracted !== undefined ? { extracted } : {}),
})

export const failed = (reason: string): CompletionVerdict => ({ reward: null, status: 'error', reason })

/** Maximum bracket nesting depth of a string ({, (, [ and \left/\right pairs count as brackets). */
export function nestingDepth(s: string): number {
  let depth = 0
  let max = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 123 || c === 40 || c === 91) max = Math.max(max, ++depth) // { ( [
    else if (c === 125 || c === 41 || c === 93) depth = Math.max(0, depth - 1)
  }
  return max
}

/**
 * Run a per-completion scorer over a group with the size limit and the deadline applied. `fn` is called only for
 * completions within limits and before the deadline.
 */
export function eachCompletion(
  completions: string[],
  ctx: RunContext,
  fn: (completion: string, index: number) => CompletionVerdict,
): CompletionVerdict[] {
  return completions.map((c, i) => {
    if (ctx.now() > ctx.deadline) return failed('time budget exceeded')
    if (c.length > LIMITS.completionChars)
      return zero(`completion too long (${c.length} > ${LIMITS.completionChars} characters)`)
    return fn(c, i)
  })
}

/** Async variant of eachCompletion (sequential: keeps the deadline meaningful and memory flat). */
export async function eachCompletionAsync(
  completions: string[],
  ctx: RunContext,
  fn: (completion: string, index: number) => Promise<CompletionVerdict>,
): Promise<CompletionVerdict[]> {
  const out: CompletionVerdict[] = []
  for (let i = 0; i < completions.length; i++) {
    const c = completions[i]
    if (ctx.now() > ctx.deadline) out.push(failed('time budget exceeded'))
    else if (c.length > LIMITS.completionChars)
      out.push(zero(`completion too long (${c.length} > ${LIMITS.completionChars} characters)`))
    else out.push(await fn(c, i))
  }
  return out
}

/** The reference as a string, or a configuration error verdict for every completion. */
export function requireReference(reference: string | null, n: number): string | CompletionVerdict[] {
  if (reference === null) return Array.from({ length: n }, () => failed('this verifier needs a reference answer'))
  if (reference.length > LIMITS.referenceChars)
    return Array.from({ length: n }, () => failed(`reference too long (> ${LIMITS.referenceChars} characters)`))
  return reference
}
