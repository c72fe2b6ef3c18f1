/**
 * Final-answer extraction from free text. Strategies are tried in the spec's order; the first that finds
 * something wins. All scans are linear (indexOf / bounded brace matching / non-backtracking regexes).
 *   boxed       last `\boxed{…}` / `\fbox{…}` (brace-matched); several *different* boxed answers become a list,
 *               so a completion hedging over candidates cannot match a single gold answer
 *   hash        GSM8K style: the text after the last `####`
 *   answer-tag  the content of the last `<answer>…</answer>`
 *   answer-is   the rest of the sentence after the last "the answer is" / "final answer:" (case-insensitive)
 *   last-number the last number in the text (integers, decimals, thousands separators, a/b)
 */
export const EXTRACTORS = ['boxed', 'hash', 'answer-tag', 'answer-is', 'last-number'] as const
export type Extractor = (typeof EXTRACTORS)[number]
export const DEFAULT_EXTRACT_ORDER: Extractor[] = ['boxed', 'hash', 'answer-tag', 'answer-is', 'last-number']

/** Content of the brace group opening at `open` (index of `{`), or null when unbalanced. */
export function braceGroup(s: string, open: number): { body: string; end: number } | null {
  let depth = 0
  for (let i = open; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '{') depth++
    else if (c === '}' && --depth === 0) return { body: s.slice(open + 1, i), end: i + 1 }
  }
  return null
}

/** All `\boxed{…}` / `\fbox{…}` contents in order of appearance (indexOf scanning: linear in the text). */
export function boxedAll(s: string): string[] {
  const out: string[] = []
  let i = 0
  for (;;) {
    const b = s.indexOf('\\boxed', i)
    const f = s.indexOf('\\fbox', i)
    const at = b < 0 ? f : f < 0 ? b : Math.min(b, f)
    if (at < 0) return out
    let k = at + (at === b ? 6 : 5)
    while (k < s.length && /\s/.test(s[k])) k++
    if (s[k] === '{') {
      const g = braceGroup(s, k)
      if (!g) return out // unbalanced: nothing after it can close either
      out.push(g.body)
      i = g.end
    } else if (k > at + (at === b ? 6 : 5)) {
      // `\boxed 5`: the next token
      let e = k
      while (e < s.length && !/[\s$]/.test(s[e])) e++
      if (e > k) out.push(s.slice(k, e))
      i = e
    } else i = k
  }
}

function boxed(s: string): string | null {
  const all = boxedAll(s).map((b) => b.trim())
  if (all.length === 0) return null
  const distinct = [...new Set(all)]
  return distinct.length === 1 ? distinct[0] : distinct.join(', ')
}

function hash(s: string): string | null {
  const i = s.lastIndexOf('####')
  if (i < 0) return null
  const line = s.slice(i + 4).split('\n', 1)[0].trim()
  return line || null
}

function answerTag(s: string): string | null {
  const close = s.lastIndexOf('</answer>')
  if (close < 0) return null
  const open = s.lastIndexOf('<answer>', close)
  if (open < 0) return null
  const body = s.slice(open + 8, close).trim()
  return (body && (boxed(body) ?? body)) || null
}

function answerIs(s: string): string | null {
  const lower = s.toLowerCase()
  let best = -1
  let len = 0
  for (const cue of ['the answer is', 'final answer is', 'final answer:', 'answer:']) {
    const i = lower.lastIndexOf(cue)
    if (i > best) {
      best = i
      len = cue.length
    }
  }
  if (best < 0) return null
  let rest = s.slice(best + len).split('\n', 1)[0]
  rest = rest.replace(/^\s*[:\s]\s*/, '')
  // End of sentence: a period/semicolon followed by whitespace or the end (not a decimal point).
  const end = /[.;!](\s|$)/.exec(rest)
  if (end) rest = rest.slice(0, end.index)
  rest = rest.trim()
  return rest ? (boxed(rest) ?? rest) : null
}

const LAST_NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\/\d+)?/g

function lastNumber(s: string): string | null {
  let last: string | null = null
  for (const m of s.matchAll(LAST_NUMBER)) last = m[0]
  return last
}

const BY_NAME: Record<Extractor, (s: string) => string | null> = {
  boxed,
  hash,
  'answer-tag': answerTag,
  'answer-is': answerIs,
  'last-number': lastNumber,
}

/** The final answer and the strategy that found it, or null. */
export function extractAnswer(
  text: string,
  order: readonly Extractor[] = DEFAULT_EXTRACT_ORDER,
): { answer: string; by: Extractor } | null {
  for (const by of order) {
    const answer = BY_NAME[by](text)
    if (answer !== null) return { answer, by }
  }
  return null
}
