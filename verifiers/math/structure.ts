/**
 * The shape of a normalised answer: a scalar, an ordered sequence (tuple or interval: `(1,2)`, `[0,1)`), an
 * unordered collection (`\{1,2\}`, a bare list `1, 2`, a union `A \cup B`, `a \pm b`), or an equation that is not
 * a simple assignment. `x = 3` (a single symbol on the left) is the value `3`, so it matches the gold `3`; simple
 * inequalities in one variable are intervals (`x > 3` is `(3,\infty)`, `1 < x \le 2` is `(1,2]`).
 */
export type Answer =
  | { kind: 'scalar'; text: string }
  | { kind: 'seq'; open: string; close: string; items: Answer[] }
  | { kind: 'set'; items: Answer[] }
  | { kind: 'eq'; lhs: string; rhs: string }

/** Most items a collection answer may hold. */
export const MAX_ITEMS = 64

const OPEN = new Set(['{', '(', '['])
const CLOSE = new Set(['}', ')', ']'])

/** Split at `sep` outside any bracket (bracket kinds are not matched, so `[0,1)` nests correctly). */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '\\' && s[i + 1] !== undefined && (OPEN.has(s[i + 1]) || CLOSE.has(s[i + 1]))) {
      depth += OPEN.has(s[i + 1]) ? 1 : -1
      i++
    } else if (OPEN.has(c)) depth++
    else if (CLOSE.has(c)) depth--
    else if (depth === 0 && s.startsWith(sep, i)) {
      parts.push(s.slice(start, i))
      start = i + sep.length
      i += sep.length - 1
    }
  }
  parts.push(s.slice(start))
  return parts.map((p) => p.trim())
}

/** True when the bracket opening at 0 closes exactly at the last character. */
function wrapped(s: string, openLen: number, closeLen: number): boolean {
  let depth = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '\\' && (OPEN.has(s[i + 1]) || CLOSE.has(s[i + 1]))) {
      depth += OPEN.has(s[i + 1]) ? 1 : -1
      i++
    } else if (OPEN.has(c)) depth++
    else if (CLOSE.has(c)) depth--
    if (depth === 0) return i === s.length - 1 && s.length >= openLen + closeLen
  }
  return false
}

const SIMPLE_SYMBOL = /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?(?:\s*\([a-z]\))?$/
const VAR = String.raw`(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?`
const REL = String.raw`(<|>|\\le |\\ge |\\lt |\\gt )`
const ONE_SIDED = new RegExp(`^${VAR}\\s*${REL}\\s*([^<>]*)$`)
const TWO_SIDED = new RegExp(`^([^<>]+?)\\s*${REL}\\s*${VAR}\\s*${REL}\\s*([^<>]+)$`)

const closed = (rel: string) => rel.startsWith('\\le') || rel.startsWith('\\ge')
const less = (rel: string) => rel === '<' || rel.startsWith('\\le') || rel.startsWith('\\lt')

/** `x > 3` → (3,∞), `x \le 2` → (−∞,2], `1 < x \le 2` → (1,2]; null when not a simple inequality. */
function inequality(t: string): Answer | null {
  const two = TWO_SIDED.exec(t)
  if (two && less(two[2]) && less(two[3]))
    return { kind: 'seq', open: closed(two[2]) ? '[' : '(', close: closed(two[3]) ? ']' : ')', items: [parseAnswer(two[1]), parseAnswer(two[4])] }
  const one = ONE_SIDED.exec(t)
  if (!one || !one[2].trim()) return null
  const bound = parseAnswer(one[2])
  const inf = (sign: string): Answer => ({ kind: 'scalar', text: `${sign}\\infty` })
  return less(one[1])
    ? { kind: 'seq', open: '(', close: closed(one[1]) ? ']' : ')', items: [inf('-'), bound] }
    : { kind: 'seq', open: closed(one[1]) ? '[' : '(', close: ')', items: [bound, inf('')] }
}

/** `a \pm b` (one top-level ±) → the set {a+b, a−b}. */
function plusMinus(t: string): Answer | null {
  const parts = splitTopLevel(t, '\\pm')
  if (parts.length !== 2) return null
  return { kind: 'set', items: [parseAnswer(`${parts[0]}+${parts[1]}`), parseAnswer(`${parts[0]}-${parts[1]}`)] }
}

export function parseAnswer(s: string): Answer {
  const t = s.trim()
  const union = splitTopLevel(t, '\\cup')
  if (union.length > 1) return { kind: 'set', items: union.slice(0, MAX_ITEMS + 1).map(parseAnswer) }
  if (t.startsWith('\\{') && t.endsWith('\\}') && wrapped(t, 2, 2)) {
    const inner = t.slice(2, -2).trim()
    return { kind: 'set', items: inner ? splitTopLevel(inner, ',').slice(0, MAX_ITEMS + 1).map(parseAnswer) : [] }
  }
  const list = splitTopLevel(t, ',')
  if (list.length > 1) return { kind: 'set', items: list.slice(0, MAX_ITEMS + 1).map(parseAnswer) }
  if ((t[0] === '(' || t[0] === '[') && (t.endsWith(')') || t.endsWith(']')) && wrapped(t, 1, 1)) {
    const items = splitTopLevel(t.slice(1, -1), ',')
    if (items.length > 1)
      return { kind: 'seq', open: t[0], close: t[t.length - 1], items: items.slice(0, MAX_ITEMS + 1).map(parseAnswer) }
  }
  const ineq = /[<>]|\\[lg][et] /.test(t) ? inequality(t) : null
  if (ineq) return ineq
  const pm = t.includes('\\pm') ? plusMinus(t) : null
  if (pm) return pm
  const sides = splitTopLevel(t, '=')
  if (sides.length === 2 && sides[0] && sides[1]) {
    if (SIMPLE_SYMBOL.test(sides[0])) return parseAnswer(sides[1])
    return { kind: 'eq', lhs: sides[0], rhs: sides[1] }
  }
  return { kind: 'scalar', text: t }
}

export function answerSize(a: Answer): number {
  return a.kind === 'seq' || a.kind === 'set' ? a.items.length : 1
}
