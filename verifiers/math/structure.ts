/**
 * The shape of a normalised answer:
 *   scalar   one expression (`3`, `\frac{\pi}{2}`, `2x+3`)
 *   seq      an ordered tuple or interval (`(1,2)`, `[0,1)`); `fromIneq` when written as an inequality
 *   set      an unordered collection (`\{1,2\}`, a bare list `1, 2`, `{1,3}`, a union `A \cup B`, `a \pm b`,
 *            `\frac{1\pm\sqrt{5}}{2}`);
 *            `bare` when written without `\{ \}` (its written order still decides against a tuple: `(1,3)` = `{1,3}`)
 *   eq       an equation that is not an assignment (`2x+4y-3=0`), compared up to a constant factor
 *   ne       `x \ne 3`
 *   rel      an inequality between expressions with variables on both sides or none alone (`a < b`, `3x^2 < 9a`),
 *            written `lhs < rhs` or `lhs ≤ rhs`, compared up to a positive factor
 *   matrix   `pmatrix`/`bmatrix`/`matrix`/`array`/`cases` rows of cells
 *   clock    a time of day (`12:00`, `08:34 p.m.`), in minutes
 *   invalid  written like a number but none (`11 6/6`, `4 4/0`): equal to nothing
 * An assignment `x = 3`, `(p,q) = (3,2)`, `f(x) = 2x+3`, `x = 5+5+1 = 11` (a chain whose earlier side is a plain
 * symbol) is its last side, remembering the equation (`assign`) for comparison with an equation; `a \approx b`
 * is `a`. Inequalities in one variable are intervals (`x > 3` → (3,∞), `5 \ge x` → (−∞,5], `-x > -1` → (−∞,1)).
 */
import { parseRational, rational, type Rational } from './number.js'

export interface Eq {
  lhs: string
  rhs: string
}

export type Answer = (
  | { kind: 'scalar'; text: string; percent?: boolean }
  | { kind: 'seq'; open: string; close: string; items: Answer[]; fromIneq?: boolean }
  | { kind: 'set'; items: Answer[]; bare?: boolean }
  | { kind: 'eq'; lhs: string; rhs: string }
  | { kind: 'ne'; value: Answer }
  | { kind: 'rel'; lhs: string; rhs: string; strict: boolean; interval?: Answer }
  | { kind: 'matrix'; rows: Answer[][] }
  | { kind: 'clock'; minutes: number }
  | { kind: 'invalid'; text: string }
) & { assign?: Eq }

/** Most items a collection answer may hold. */
export const MAX_ITEMS = 64

const OPEN = new Set(['{', '(', '['])
const CLOSE = new Set(['}', ')', ']'])

/**
 * Split at `sep` outside any bracket: the parts, trimmed, and whether the brackets balance (never closed below the
 * top level, all closed at the end). Bracket kinds are not matched, so `[0,1)` nests correctly; `\{ \}`, `\( \)`,
 * `\[ \]` are brackets too. An escaped symbol (`\\`, `\,`, `\&`, `\=`) is never a separator, unless it is the
 * separator (`\\`); a command separator (`\pm`) does not split a longer command (`\pmod`). With `=` the `=` of
 * `<=`, `>=` and `!=` belongs to its relation and is no split, and `==` is one `=`. The one place that splits a
 * relation chain: structure (`x = 3`, `(1,2) \cup (3,4)`) and extraction (an equation chain's last side) both use it.
 */
export function scanTopLevel(s: string, sep: string): { parts: string[]; balanced: boolean } {
  const parts: string[] = []
  const word = sep[0] === '\\' && /[a-zA-Z]$/.test(sep)
  let depth = 0
  let balanced = true
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (depth === 0 && c === sep[0] && s.startsWith(sep, i) && !(word && /[a-zA-Z]/.test(s[i + sep.length] ?? ''))) {
      if (sep === '=' && i > 0 && (s[i - 1] === '<' || s[i - 1] === '>' || s[i - 1] === '!')) continue
      let end = i + sep.length
      if (sep === '=') while (s[end] === '=') end++
      parts.push(s.slice(start, i))
      start = end
      i = end - 1
    } else if (c === '\\') {
      const d = s[i + 1]
      if (d === undefined) continue
      if (OPEN.has(d) || CLOSE.has(d)) {
        depth += OPEN.has(d) ? 1 : -1
        if (depth < 0) balanced = false
      }
      if (!/[a-zA-Z]/.test(d)) i++
    } else if (OPEN.has(c)) depth++
    else if (CLOSE.has(c) && --depth < 0) balanced = false
  }
  parts.push(s.slice(start))
  return { parts: parts.map((p) => p.trim()), balanced: balanced && depth === 0 }
}

/** `s` split at `sep` outside any bracket (scanTopLevel's parts). */
export function splitTopLevel(s: string, sep: string): string[] {
  return scanTopLevel(s, sep).parts
}

/** The last side of an equation chain (`a = b = c` → `c`), by the same top-level split as structure's; null when
 * there is no top-level `=` or the brackets do not balance. */
export function lastSide(s: string): string | null {
  const { parts, balanced } = scanTopLevel(s, '=')
  return parts.length > 1 && balanced ? parts[parts.length - 1] : null
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

const SYM = String.raw`(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?`
const SYMBOL = new RegExp(String.raw`^(?:${SYM}(?:\s*\([a-z]\))?|[A-Z]{2,3}|\(\s*${SYM}(?:\s*,\s*${SYM})+\s*\))$`)
const FUNCTION = /\\(?:sin|cos|tan|cot|sec|csc|arc\w+|sinh|cosh|tanh|ln|log|exp|sqrt|frac|lim|max|min|gcd|lcm|det)(?![a-zA-Z])/
/** A plain symbol, a function name `f(x)`, a segment `AB` or a tuple of symbols: the left side of an assignment. */
const SIMPLE_SYMBOL = { test: (s: string) => SYMBOL.test(s) && !FUNCTION.test(s) }
const REL = String.raw`(<|>|\\le |\\ge )`
const ONE_SIDED = new RegExp(String.raw`^(-?)(${SYM})\s*${REL}\s*([^<>]+)$`)
const ONE_SIDED_FLIPPED = new RegExp(String.raw`^([^<>]+?)\s*${REL}\s*(-?)(${SYM})$`)
const TWO_SIDED = new RegExp(String.raw`^([^<>]+?)\s*${REL}\s*${SYM}\s*${REL}\s*([^<>]+)$`)
const NE = new RegExp(String.raw`^${SYM}\s*\\ne\s*(.+)$`)

const closed = (rel: string) => rel.startsWith('\\le') || rel.startsWith('\\ge')
const less = (rel: string) => rel === '<' || rel.startsWith('\\le')
const inf = (sign: string): Answer => ({ kind: 'scalar', text: `${sign}\\infty` })

/** `var rel bound` as an interval (`neg`: the variable was written `-x`, which flips the relation). */
function ray(rel: string, bound: string, neg: boolean): Answer {
  const b = parseAnswer(neg ? `-(${bound})` : bound)
  const lt = less(rel) !== neg
  return lt
    ? { kind: 'seq', open: '(', close: closed(rel) ? ']' : ')', items: [inf('-'), b], fromIneq: true }
    : { kind: 'seq', open: closed(rel) ? '[' : '(', close: ')', items: [b, inf('')], fromIneq: true }
}

function flip(rel: string): string {
  return rel === '<' ? '>' : rel === '>' ? '<' : rel.startsWith('\\le') ? '\\ge ' : '\\le '
}

/** Whether an expression holds a variable (a letter outside commands; not the constant e). */
const hasVariable = (x: string) => /[a-df-zA-Z]/.test(x.replace(/\\(?:\\|[a-zA-Z]+)/g, ''))

/** `lhs rel rhs` as a relation `a < b` / `a ≤ b` (a `>` or `≥` swaps the sides). */
function relation(lhs: string, rel: string, rhs: string): Answer {
  const [a, b] = less(rel) ? [lhs, rhs] : [rhs, lhs]
  return { kind: 'rel', lhs: a.trim(), rhs: b.trim(), strict: !closed(rel) }
}

/** `x > 3` → (3,∞), `x \le 2` → (−∞,2], `1 < x \le 2` → (1,2], `5 \ge x` → (−∞,5]; an inequality whose bound holds a
 * variable too, or with no variable alone on a side, is a relation (`a < b`, `3x^2 < 9a`); null when not one. */
function inequality(t: string): Answer | null {
  const two = TWO_SIDED.exec(t)
  if (two && less(two[2]) && less(two[3]))
    return { kind: 'seq', open: closed(two[2]) ? '[' : '(', close: closed(two[3]) ? ']' : ')', items: [parseAnswer(two[1]), parseAnswer(two[4])], fromIneq: true }
  if (two) return null
  // A bound holding a variable (`x < \frac{a}{2}`) makes a relation that keeps its reading as an interval of the
  // variable written alone, for an interval on the other side.
  const one = ONE_SIDED.exec(t)
  if (one && one[4].trim()) {
    const r = ray(one[3], one[4], one[1] === '-')
    return hasVariable(one[4]) ? { ...(relation(one[1] + one[2], one[3], one[4]) as Answer & { kind: 'rel' }), interval: r } : r
  }
  const fl = ONE_SIDED_FLIPPED.exec(t)
  if (fl && fl[1].trim()) {
    const r = ray(flip(fl[2]), fl[1], fl[3] === '-')
    return hasVariable(fl[1]) ? { ...(relation(fl[1], fl[2], fl[3] + fl[4]) as Answer & { kind: 'rel' }), interval: r } : r
  }
  const single = new RegExp(String.raw`^([^<>]+?)\s*${REL}\s*([^<>]+)$`).exec(t)
  if (single && single[1].trim() && single[3].trim() && hasVariable(t)) return relation(single[1], single[2], single[3])
  return null
}

/** `a \pm b` (one top-level ±) → the set {a+b, a−b}; `\pm b` → {b, −b}; one ± inside an expression
 * (`\frac{1\pm\sqrt{17}}{4}`) → the expression with + and with −. */
function plusMinus(t: string): Answer | null {
  const parts = splitTopLevel(t, '\\pm')
  const inside = t.split(/\\pm(?![a-zA-Z])/)
  if (parts.length === 1 && inside.length === 2 && !/\\mp(?![a-zA-Z])/.test(t))
    return { kind: 'set', items: [parseAnswer(`${inside[0]}+${inside[1]}`), parseAnswer(`${inside[0]}-${inside[1]}`)] }
  if (parts.length !== 2 || !parts[1]) return null
  if (!parts[0]) return { kind: 'set', items: [parseAnswer(parts[1]), parseAnswer(`-${parts[1]}`)] }
  return { kind: 'set', items: [parseAnswer(`${parts[0]}+${parts[1]}`), parseAnswer(`${parts[0]}-${parts[1]}`)] }
}

const ENV = String.raw`\\begin\{((?:[pbBvV]?matrix)|array|cases)\}(?:\{[^{}]*\})?((?:(?!\\end\{)[\s\S])*)\\end\{\1\}`
const MATRIX = new RegExp(`^${ENV}$`)
const MATRIX_TERMS = new RegExp(String.raw`^(?:${ENV}\s*(?:[-+]|\\cdot|\\times)?\s*)+$`)

function cells(body: string): string[][] {
  return splitTopLevel(body.trim().replace(/\\\\\s*$/, ''), '\\\\')
    .filter((r) => r.trim() !== '')
    .slice(0, MAX_ITEMS + 1)
    .map((r) => splitTopLevel(r, '&').slice(0, MAX_ITEMS + 1))
}

type Grid = Rational[][]

function numericGrid(rows: string[][]): Grid | null {
  const g = rows.map((r) => r.map((x) => parseRational(x)))
  return g.every((r) => r.every((x) => x !== null) && r.length === g[0].length) ? (g as Grid) : null
}

function combine(a: Grid, b: Grid, op: string): Grid | null {
  if (op === '+' || op === '-') {
    if (a.length !== b.length || a[0].length !== b[0].length) return null
    return a.map((r, i) => r.map((x, j) => rational(x.num * b[i][j].den + (op === '-' ? -1n : 1n) * b[i][j].num * x.den, x.den * b[i][j].den)!))
  }
  if (a[0].length !== b.length) return null
  return a.map((r) =>
    b[0].map((_, j) => r.reduce<Rational>((s, x, k) => rational(s.num * x.den * b[k][j].den + x.num * b[k][j].num * s.den, s.den * x.den * b[k][j].den)!, { num: 0n, den: 1n })),
  )
}

/** A matrix, or a sum / product of numeric matrices (`A + B`, `A B`, `A \cdot B`) worked out. */
function matrix(t: string): Answer | null {
  const inner = (t.startsWith('[') && t.endsWith(']')) || (t.startsWith('(') && t.endsWith(')')) ? t.slice(1, -1).trim() : t
  const m = MATRIX.exec(inner)
  if (m) return { kind: 'matrix', rows: cells(m[2]).map((r) => r.map(parseAnswer)) }
  if (!MATRIX_TERMS.test(inner)) return null
  let acc: Grid | null = null
  let op = ''
  for (const x of inner.matchAll(new RegExp(String.raw`${ENV}\s*([-+]|\\cdot|\\times)?`, 'g'))) {
    const g = numericGrid(cells(x[2]))
    if (!g) return null
    acc = acc ? combine(acc, g, op) : g
    if (!acc) return null
    op = x[3] === '+' || x[3] === '-' ? x[3] : '*'
  }
  return acc && { kind: 'matrix', rows: acc.map((r) => r.map((x) => ({ kind: 'scalar' as const, text: x.den === 1n ? `${x.num}` : `${x.num}/${x.den}` }))) }
}

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([ap])\.?\s?m\.?)?$/i

function clock(t: string): Answer | null {
  const m = CLOCK.exec(t)
  if (!m) return null
  let h = Number(m[1])
  const min = Number(m[2])
  if (h > 23 || min > 59 || (m[3] && Number(m[3]) > 59)) return null
  if (m[4]) {
    if (h > 12) return null
    h = (h % 12) + (m[4].toLowerCase() === 'p' ? 12 : 0)
  }
  return { kind: 'clock', minutes: h * 60 + min + (m[3] ? Number(m[3]) / 60 : 0) }
}

function list(items: string[], bare: boolean): Answer {
  return { kind: 'set', items: items.slice(0, MAX_ITEMS + 1).map(parseAnswer), bare }
}

export function parseAnswer(s: string): Answer {
  const t = s.trim()
  const union = splitTopLevel(t, '\\cup')
  if (union.length > 1) return { kind: 'set', items: union.slice(0, MAX_ITEMS + 1).map(parseAnswer) }
  if (t.includes('\\begin')) {
    const m = matrix(t)
    if (m) return m
  }
  if (t.startsWith('\\{') && t.endsWith('\\}') && wrapped(t, 2, 2)) {
    const inner = t.slice(2, -2).trim()
    return inner ? list(splitTopLevel(inner, ','), false) : { kind: 'set', items: [] }
  }
  if (t.startsWith('{') && t.endsWith('}') && wrapped(t, 1, 1)) {
    const items = splitTopLevel(t.slice(1, -1), ',')
    if (items.length > 1) return list(items, true)
    return parseAnswer(t.slice(1, -1))
  }
  const items = splitTopLevel(t, ',')
  if (items.length > 1) return list(items, true)
  if ((t[0] === '(' || t[0] === '[') && (t.endsWith(')') || t.endsWith(']')) && wrapped(t, 1, 1)) {
    const inner = splitTopLevel(t.slice(1, -1), ',')
    if (inner.length > 1)
      return { kind: 'seq', open: t[0], close: t[t.length - 1], items: inner.slice(0, MAX_ITEMS + 1).map(parseAnswer) }
  }
  const sides = splitTopLevel(t, '=').filter((x) => x !== '')
  if (sides.length >= 2) {
    const last = sides[sides.length - 1]
    // A worked computation on numbers (`72\div12=6`): no variable on any side, so its value is its last side.
    if (!/[a-zA-Z]/.test(t.replace(/\\(?:\\|[a-zA-Z]+)/g, ''))) return parseAnswer(last)
    if (sides.slice(0, -1).some((x) => SIMPLE_SYMBOL.test(x))) return { ...parseAnswer(last), assign: { lhs: sides[0], rhs: last } }
    return { kind: 'eq', lhs: sides[0], rhs: last }
  }
  const approx = splitTopLevel(t, '\\approx')
  if (approx.length >= 2) return parseAnswer(SIMPLE_SYMBOL.test(approx[0]) ? approx[1] : approx[0])
  const ne = NE.exec(t)
  if (ne) return { kind: 'ne', value: parseAnswer(ne[1]) }
  const ineq = /[<>]|\\[lg]e /.test(t) ? inequality(t) : null
  if (ineq) return ineq
  const pm = t.includes('\\pm') ? plusMinus(t) : null
  if (pm) return pm
  if (t.includes(':')) {
    const c = clock(t)
    if (c) return c
  }
  const mixed = /^[-+]?(\d+) (\d+)\/(\d+)$/.exec(t)
  if (mixed && (Number(mixed[3]) === 0 || Number(mixed[2]) >= Number(mixed[3]))) return { kind: 'invalid', text: t }
  // A value of a list that carries its own percent sign (normalize.ts: `1/2, 50\%`).
  if (t.endsWith('\\%')) return { kind: 'scalar', text: t.slice(0, -2).trim(), percent: true }
  return { kind: 'scalar', text: t }
}

export function answerSize(a: Answer): number {
  return a.kind === 'seq' || a.kind === 'set' ? a.items.length : a.kind === 'matrix' ? a.rows.length : 1
}
