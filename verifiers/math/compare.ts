/**
 * Answer equivalence: normalise both sides, parse their shape (structure.ts), then compare shape by shape.
 * Scalars take the cheapest path that decides: identical text → exact rationals (no CAS) → the CAS. Sequences
 * are ordered and keep their brackets (`[0,1)` ≠ `[0,1]`); sets, bare lists and unions are unordered, and sizes
 * must agree (a prediction listing several answers never matches a single gold). A tuple and a bare list compare
 * in written order (`(1,3)` = `{1,3}` ≠ `(3,1)`). An interval gold is not matched by an inequality (Math-Verify's
 * default; `setRelation` allows it; the other way round matches). Equations compare up to a nonzero factor; an
 * assignment `y = …` is its value, or its equation against an equation gold. Percent (Math-Verify's rule): a gold
 * `28\%` accepts 28 and 0.28; a prediction `28\%` is 0.28 (or 28 when the gold is that integer, as "60%" for a gold of 60).
 * A word answer compares without its capital (`White` = `white`); yes/true and no/false are one truth value each.
 * `precision` (digits after the point, as Math-Verify's `float_rounding`) widens numeric equality to
 * |a − b| ≤ ½·10^−precision.
 */
import { LIMITS, nestingDepth } from '../limits.js'
import { casEqual, casProportional, loadEngine } from './cas.js'
import { hasBigOperator } from './commands.js'
import { normalizeAnswer, type Normalized } from './normalize.js'
import { parseRational, rational, rationalEqual, type Rational, type Tolerance } from './number.js'
import { answerSize, MAX_ITEMS, parseAnswer, type Answer, type Eq } from './structure.js'

export const DEFAULT_TOLERANCE: Tolerance = { rel: 1e-9, abs: 0 }

export interface EquivOptions {
  tolerance?: Tolerance
  /** Use the CAS when the fast paths cannot decide (default true). */
  cas?: boolean
  /** Digits after the point numbers must agree to (unset: exact up to `tolerance`). */
  precision?: number
  /** Assignments on both sides must name the same variable (`x = 3` ≠ `y = 3`); default false. */
  strict?: boolean
  /** An inequality answer may match an interval gold (`-2 ≤ x ≤ 7` for `[-2,7]`), as Math-Verify's
   * `allow_set_relation_comp`; default false (the other way round always matches). */
  setRelation?: boolean
}

export interface Equivalence {
  equal: boolean
  /** Which path decided: text, rational, cas, shape, limit. */
  path: 'text' | 'rational' | 'cas' | 'shape' | 'limit'
  reason: string
}

/** One side of a comparison: an extracted answer and how it was written. */
export interface AnswerText {
  answer: string
  /** From prose (a decimal comma reads as a decimal point). */
  plain?: boolean
  /** A percent sign or word followed the answer. */
  percent?: boolean
}

type Engine = Awaited<ReturnType<typeof loadEngine>>

interface Opts {
  tolerance: Tolerance
  cas: boolean
  strict: boolean
  setRelation: boolean
}

interface Ctx {
  gp: boolean
  pp: boolean
  opts: Opts
  ce: Engine | null
}

const hundredth = (r: Rational) => rational(r.num, r.den * 100n)

/** (gold, pred) value pairs any of which may be equal, by the percent rule. */
function percentPairs(g: Rational, p: Rational, gp: boolean, pp: boolean): [Rational, Rational][] {
  if (gp === pp) return [[g, p]]
  if (gp) return [[g, p], [hundredth(g)!, p]]
  const pairs: [Rational, Rational][] = [[g, hundredth(p)!]]
  if (g.den === 1n) pairs.push([g, p])
  return pairs
}

/** A word answer (`White`, `odd`, `Evelyn`): a capital first letter is how it was written, not another answer. */
const WORD = /^[A-Za-z][a-z]{2,}$/
/** Yes/no answers: `no` = `false`, `Yes` = `True`. */
const TRUTH: Record<string, string> = { yes: 'true', true: 'true', no: 'false', false: 'false' }

const casNumber = (text: string, r: Rational | null) => (r && /\d[eE][+-]?\d/.test(text) ? `\\frac{${r.num}}{${r.den}}` : text)

function scalarEqual(gold: string, pred: string, c: Ctx): Equivalence {
  if (gold === pred && c.gp === c.pp) return { equal: true, path: 'text', reason: 'identical' }
  const tg = TRUTH[gold.toLowerCase()]
  const tp = TRUTH[pred.toLowerCase()]
  if (tg && tp) return tg === tp ? { equal: true, path: 'text', reason: 'the same truth value' } : { equal: false, path: 'text', reason: 'different truth values' }
  if (WORD.test(gold) && WORD.test(pred))
    return gold.toLowerCase() === pred.toLowerCase() ? { equal: true, path: 'text', reason: 'the same word' } : { equal: false, path: 'text', reason: 'different words' }
  const rg = parseRational(gold)
  const rp = parseRational(pred)
  if (rg && rp) {
    for (const [a, b] of percentPairs(rg, rp, c.gp, c.pp))
      if (rationalEqual(a, b, c.opts.tolerance)) return { equal: true, path: 'rational', reason: 'equal numbers' }
    return { equal: false, path: 'rational', reason: 'different numbers' }
  }
  if (gold === pred) return { equal: true, path: 'text', reason: 'identical' }
  if (hasBigOperator(gold + pred)) return bigOperatorEqual(gold, pred, c)
  if (!c.ce) return { equal: false, path: 'shape', reason: 'needs the CAS (disabled)' }
  // A number in E notation (`1e-5`, read as one by parseRational) goes to the engine as its value: it reads `1e-5` as 1·e − 5.
  gold = casNumber(gold, rg)
  pred = casNumber(pred, rp)
  if (c.gp === c.pp || c.gp) {
    const r = casEqual(c.ce, gold, pred, c.opts.tolerance)
    if (r.equal || !c.gp || r.reason !== 'not equal') return { equal: r.equal, path: 'cas', reason: r.reason }
    const r2 = casEqual(c.ce, `\\frac{${gold}}{100}`, pred, c.opts.tolerance)
    return { equal: r2.equal, path: 'cas', reason: r2.reason }
  }
  const r = casEqual(c.ce, gold, `\\frac{${pred}}{100}`, c.opts.tolerance)
  return { equal: r.equal, path: 'cas', reason: r.equal ? r.reason : `${r.reason} (the answer is a percentage)` }
}

/** `\sum_{k=0}^{n-1} F_k F_{n-k-1}`: operator, lower and upper bound, and a term that is one product (no sum or
 * difference at its top level, no further big operator), so the operator's scope is unambiguous. */
function bigOperator(s: string): { head: string; term: string } | null {
  const m = /^\\(sum|prod)\s*_\s*\{([^{}]*)\}\s*\^\s*(\{[^{}]*\}|[a-zA-Z0-9])(.*)$/.exec(s.trim())
  if (!m) return null
  const term = m[4].trim()
  let depth = 0
  for (let i = 0; i < term.length; i++) {
    const ch = term[i]
    if ('({['.includes(ch)) depth++
    else if (')}]'.includes(ch)) depth--
    else if (depth === 0 && i > 0 && (ch === '+' || ch === '-')) return null
  }
  if (!term || hasBigOperator(term)) return null
  return { head: `${m[1]}_{${m[2]}}^{${m[3].replace(/^\{|\}$/g, '')}}`.replace(/\s+/g, ''), term }
}

/** Sums and products never reach the CAS (it iterates them): equal when the same operator has the same bounds
 * (as written) and equivalent terms. */
function bigOperatorEqual(gold: string, pred: string, c: Ctx): Equivalence {
  const g = bigOperator(gold)
  const p = bigOperator(pred)
  if (!g || !p || g.head !== p.head || c.gp !== c.pp) return { equal: false, path: 'shape', reason: 'not compared: a sum or product matches only one with the same operator and bounds (never evaluated)' }
  const r = scalarEqual(g.term, p.term, c)
  return { ...r, reason: `${r.reason} (the terms, same bounds)` }
}

function eqEqual(a: Eq, b: Eq, c: Ctx): Equivalence {
  if (!c.ce) return { equal: false, path: 'shape', reason: 'needs the CAS (disabled)' }
  const r = casProportional(c.ce, `(${a.lhs})-(${a.rhs})`, `(${b.lhs})-(${b.rhs})`, c.opts.tolerance)
  return { equal: r.equal, path: 'cas', reason: r.reason }
}

/** A bare list of two or more assignments as one equation `∏(lhs − rhs) = 0`; null when it is not one. */
function disjunction(a: Answer): Eq | null {
  if (a.kind !== 'set' || !a.bare || a.items.length < 2 || a.items.length > 8) return null
  const factors: string[] = []
  for (const item of a.items) {
    if (!item.assign) return null
    factors.push(`(${item.assign.lhs}-(${item.assign.rhs}))`)
  }
  return { lhs: factors.join(''), rhs: '0' }
}

/** An assignment of a value (`x = 3`, `x = \\frac{1}{2}`: no letter outside commands on its right side). */
const solved = (a: Answer) => !!a.assign && !/[a-zA-Z]/.test(a.assign.rhs.replace(/\\(?:\\|[a-zA-Z]+)/g, ''))
/** A side that is one variable alone (`3 = x` is solved as `x = 3` is). */
const LONE_VARIABLE = /^\s*(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?\s*$/

/**
 * A reference that is a solution (`x = 3`; `x = 2, x = -2`) against an equation with no variable alone on a side
 * (`x + 1 = 4`, `x^2 = 4`): the answer restates the equation instead of solving it. The two hold for the same x, but
 * scoring it 1 would reward copying the question's equation (a reward a policy learns to hack).
 */
const unsolved = (p: Eq): Equivalence | null =>
  LONE_VARIABLE.test(p.lhs) || LONE_VARIABLE.test(p.rhs) ? null : { equal: false, path: 'shape', reason: 'the answer is an equation to solve; the reference is its solution' }

function merge(path: Equivalence['path'], r: Equivalence): Equivalence['path'] {
  return r.path === 'cas' || (r.path === 'rational' && path === 'text') ? r.path : path
}

/** The variable an assignment item names (`x` of `x = 2`), spaces removed; undefined for a value. */
const named = (a: Answer) => a.assign?.lhs.replace(/\s+/g, '')

/**
 * Whether two lists of assignments are matched by their variables: when each names two or more different ones (a
 * system's solution `x = 2, y = 3`), an item matches only the other list's item for the same variable — `x = 3, y = 2`
 * is not `x = 2, y = 3` (their values alone are the same set). Roots of one variable (`x = 2, x = -3`, or written
 * `x_1 = 2, x_2 = -3`) name one variable on the reference's side and keep being compared by value.
 */
function byName(g: Answer[], p: Answer[]): boolean {
  const names = (l: Answer[]) => (l.every((a) => named(a) !== undefined) ? new Set(l.map(named)).size : 0)
  return names(g) >= 2 && names(p) >= 2
}

/** Element by element, in order. */
function inOrder(g: Answer[], p: Answer[], c: Ctx, what: string): Equivalence {
  if (g.length !== p.length) return { equal: false, path: 'shape', reason: `different lengths (${g.length} vs ${p.length})` }
  let path: Equivalence['path'] = 'text'
  const names = byName(g, p)
  for (let i = 0; i < g.length; i++) {
    if (names && named(g[i]) !== named(p[i])) return { equal: false, path: 'shape', reason: `different variables (${g[i].assign!.lhs} vs ${p[i].assign!.lhs})` }
    const r = answersEqual(g[i], p[i], c)
    if (!r.equal) return r
    path = merge(path, r)
  }
  return { equal: true, path, reason: `equal ${what}` }
}

const asList = (a: Answer): Answer[] | null =>
  a.kind === 'matrix' && a.rows.every((r) => r.length === 1)
    ? a.rows.map((r) => r[0])
    : a.kind === 'matrix' && a.rows.length === 1
      ? a.rows[0]
      : (a.kind === 'seq' && `${a.open}${a.close}` !== '[)' && `${a.open}${a.close}` !== '(]') || (a.kind === 'set' && a.bare)
        ? a.items
        : null

function answersEqual(g: Answer, p: Answer, c: Ctx): Equivalence {
  if (c.opts.strict && g.assign && p.assign && g.assign.lhs.replace(/\s+/g, '') !== p.assign.lhs.replace(/\s+/g, ''))
    return { equal: false, path: 'shape', reason: `different variables (${g.assign.lhs} vs ${p.assign.lhs})` }
  if (g.kind === 'invalid' || p.kind === 'invalid') return { equal: false, path: 'shape', reason: 'not a number (malformed mixed number)' }
  // A one-element set matches its element.
  if (g.kind === 'set' && g.items.length === 1 && p.kind !== 'set') return answersEqual(g.items[0], p, c)
  if (p.kind === 'set' && p.items.length === 1 && g.kind !== 'set') return answersEqual(g, p.items[0], c)
  // A bare list of values every one of which equals a single gold is one answer written several ways (`1/2, or 0.5`);
  // a hedge over different values (`12 or 13`) still never matches one gold.
  if (g.kind === 'scalar' && p.kind === 'set' && p.bare && p.items.length > 1) {
    let path: Equivalence['path'] = 'text'
    for (const item of p.items) {
      const r = answersEqual(g, item, c)
      if (!r.equal) return { equal: false, path: r.path, reason: 'the answer lists several values (not all equal to the reference)' }
      path = merge(path, r)
    }
    return { equal: true, path, reason: 'every value listed equals the reference (one answer written several ways)' }
  }
  // A list of assignments (`x = 2 or x = -2`, `a = 0 or b = 0`) against an equation is the equation ∏(lhs − rhs) = 0,
  // roots counted with their multiplicity (`x = 2` is not `(x-2)^2 = 0`).
  if (p.kind === 'eq' && g.kind === 'set') {
    const gd = disjunction(g)
    if (gd) return (g.items.every(solved) && unsolved(p)) || eqEqual(gd, p, c)
  }
  if (g.kind === 'eq' && p.kind === 'set') {
    const pd = disjunction(p)
    if (pd) return eqEqual(g, pd, c)
  }
  if (g.kind === 'eq') {
    if (p.kind === 'eq') return eqEqual(g, p, c)
    if (p.assign) return eqEqual(g, p.assign, c)
    return { equal: false, path: 'shape', reason: 'the reference is an equation' }
  }
  if (p.kind === 'eq') {
    if (g.assign) return (solved(g) && unsolved(p)) || eqEqual(g.assign, p, c)
    // A worked equation ending in the value (`\frac{1}{2} = \frac{10}{9}`): its last side is the answer.
    return answersEqual(g, parseAnswer(p.rhs), c)
  }
  if (g.kind === 'scalar' && p.kind === 'scalar') {
    const r = scalarEqual(g.text, p.text, g.percent || p.percent ? { ...c, gp: c.gp || !!g.percent, pp: c.pp || !!p.percent } : c)
    // Two relations between variables solved for different ones (`y = x` and `x = y`, `y = 2x + 1` and `x = (y - 1)/2`):
    // the same equation, though their right sides differ. Only when neither names a value (`x = 3` is still its value).
    if (!r.equal && g.assign && p.assign && !solved(g) && !solved(p) && named(g) !== named(p)) {
      const e = eqEqual(g.assign, p.assign, c)
      if (e.equal) return e
    }
    return r
  }
  if (g.kind === 'ne' && p.kind === 'ne') return answersEqual(g.value, p.value, c)
  // A relation whose variable stands alone (`x < \frac{a}{2}`) against an interval: as that interval.
  if (g.kind === 'rel' && g.interval && p.kind === 'seq') return answersEqual(g.interval, p, c)
  if (p.kind === 'rel' && p.interval && g.kind === 'seq') return answersEqual(g, p.interval, c)
  if (g.kind === 'rel' && p.kind === 'rel') {
    if (g.strict !== p.strict) return { equal: false, path: 'shape', reason: 'one inequality is strict, the other not' }
    if (!c.ce) return { equal: false, path: 'shape', reason: 'needs the CAS (disabled)' }
    const r = casProportional(c.ce, `(${g.lhs})-(${g.rhs})`, `(${p.lhs})-(${p.rhs})`, c.opts.tolerance, true)
    return { equal: r.equal, path: 'cas', reason: r.reason }
  }
  if (g.kind === 'clock' && p.kind === 'clock')
    return g.minutes === p.minutes ? { equal: true, path: 'text', reason: 'same time' } : { equal: false, path: 'text', reason: 'different times' }
  if (g.kind === 'matrix' && p.kind === 'matrix') {
    if (g.rows.length !== p.rows.length || g.rows.some((r, i) => r.length !== p.rows[i].length))
      return { equal: false, path: 'shape', reason: 'different matrix sizes' }
    return inOrder(g.rows.flat(), p.rows.flat(), c, 'matrices')
  }
  if (g.kind === 'seq' && p.kind === 'seq') {
    if (p.fromIneq && !g.fromIneq && !c.opts.setRelation) return { equal: false, path: 'shape', reason: 'the reference is a set; the answer is an inequality' }
    if (g.open !== p.open || g.close !== p.close) return { equal: false, path: 'shape', reason: 'different brackets' }
    return inOrder(g.items, p.items, c, 'elementwise')
  }
  if (g.kind === 'set' && p.kind === 'set') {
    if (g.items.length !== p.items.length) return { equal: false, path: 'shape', reason: `different sizes (${g.items.length} vs ${p.items.length})` }
    const used = new Array<boolean>(p.items.length).fill(false)
    let path: Equivalence['path'] = 'text'
    const names = byName(g.items, p.items)
    for (const gi of g.items) {
      let found = false
      for (let j = 0; j < p.items.length && !found; j++) {
        if (used[j] || (names && named(gi) !== named(p.items[j]))) continue
        const r = answersEqual(gi, p.items[j], c)
        if (r.equal) {
          used[j] = found = true
          path = merge(path, r)
        }
      }
      if (!found) return { equal: false, path: 'shape', reason: 'an element has no match' }
    }
    return { equal: true, path, reason: 'equal as sets' }
  }
  // A tuple, a column or row vector and a bare list compare in written order.
  const gl = asList(g)
  const pl = asList(p)
  if (gl && pl && !(g.kind === 'seq' && g.fromIneq) && !(p.kind === 'seq' && p.fromIneq)) return inOrder(gl, pl, c, 'in order')
  const several = answerSize(p) > answerSize(g) ? ' (the answer lists several values)' : ''
  return { equal: false, path: 'shape', reason: `different kinds: ${g.kind} vs ${p.kind}${several}` }
}

function needsCas(a: Answer): boolean {
  switch (a.kind) {
    case 'scalar':
      return parseRational(a.text) === null
    case 'eq':
    case 'rel':
      return true
    case 'seq':
    case 'set':
      return a.assign !== undefined || a.items.some(needsCas)
    case 'ne':
      return needsCas(a.value)
    case 'matrix':
      return a.rows.some((r) => r.some(needsCas))
    default:
      return false
  }
}

/** Reason string when an answer is over the size limits, else null. */
export function answerLimit(s: string): string | null {
  if (s.length > LIMITS.mathAnswerChars) return `answer too long (${s.length} > ${LIMITS.mathAnswerChars} characters)`
  if (nestingDepth(s) > LIMITS.mathNesting) return `answer nested too deeply (> ${LIMITS.mathNesting} levels)`
  return null
}

/** One side read: its normalised text and its shape. */
export interface Read {
  n: Normalized
  answer: Answer
  /** A bare `0,1` in prose read as the pair (`answer` reads it as the decimal 0.1). */
  pair?: Answer
}

/** The normalised text and shape of one side (bound its size with answerLimit first). */
export function readAnswer(a: AnswerText): Read {
  const n = normalizeAnswer(a.answer, { plain: a.plain })
  if (a.percent) n.percent = true
  const answer = parseAnswer(n.text)
  return n.pair && !n.percent ? { n, answer, pair: parseAnswer(n.pair) } : { n, answer }
}

/** Several values written as a list, tuple, interval or vector (not one value). */
const listLike = (a: Answer) => (a.kind === 'set' && a.items.length > 1) || a.kind === 'seq' || a.kind === 'matrix'

/**
 * A bare `0,1` in prose is read as the other side asks: the pair against a list or tuple (lm-evaluation-harness'
 * minerva tests: `0, 1` = `0,1`), the decimal against anything else (Math-Verify's tests: `1,22` = 1.22, `1000,99` =
 * 1000.99, `0,111` = 0.111). Two such sides must agree both ways (`0,1` ≠ `0,10`): no reading is picked to match.
 */
function readings(g: Read, p: Read): [Answer, Answer][] {
  if (g.pair && p.pair) return [[g.answer, p.answer], [g.pair, p.pair]]
  if (g.pair) return [[listLike(p.answer) ? g.pair : g.answer, p.answer]]
  if (p.pair) return [[g.answer, listLike(g.answer) ? p.pair : p.answer]]
  return [[g.answer, p.answer]]
}

/** Would comparing these two answers reach the CAS? */
export function needsEngine(g: Read, p: Read): boolean {
  return needsCas(g.answer) || needsCas(p.answer)
}

/** An option label opening an answer: `C. x = 42`, `C) …`, `(C) …`, `C: …` is option C. */
const OPTION = /^\(?([A-E])(?:[.:]|\))\s+\S/

/** A bare option letter on one side and the same letter labelling an option on the other (`C` and `C. x = 42`). */
function sameOption(letter: string, labelled: string): boolean {
  return letter.length === 1 && OPTION.exec(labelled)?.[1] === letter
}

/** Compare two sides already read (the verifier reads a group's reference once). */
export async function compareRead(g: Read, p: Read, options: EquivOptions = {}): Promise<Equivalence> {
  const tol = options.tolerance ?? DEFAULT_TOLERANCE
  const opts: Opts = {
    tolerance: options.precision === undefined ? tol : { rel: tol.rel, abs: Math.max(tol.abs, 0.5 * 10 ** -options.precision) },
    cas: options.cas ?? true,
    strict: options.strict ?? false,
    setRelation: options.setRelation ?? false,
  }
  if (g.n.text === '' || p.n.text === '') return { equal: false, path: 'shape', reason: 'empty answer' }
  if (sameOption(g.n.text, p.n.text) || sameOption(p.n.text, g.n.text)) return { equal: true, path: 'text', reason: 'the same option' }
  if (answerSize(g.answer) > MAX_ITEMS || answerSize(p.answer) > MAX_ITEMS)
    return { equal: false, path: 'limit', reason: `more than ${MAX_ITEMS} elements` }
  const ce = opts.cas && needsEngine(g, p) ? await loadEngine() : null
  let r: Equivalence | null = null
  for (const [ga, pa] of readings(g, p)) {
    r = answersEqual(ga, pa, { gp: g.n.percent, pp: p.n.percent, opts, ce })
    if (!r.equal) return r
  }
  return r!
}

/** Is `pred` (an extracted final answer) equivalent to `gold` (an extracted reference answer)? */
export async function mathEqual(gold: string | AnswerText, pred: string | AnswerText, options: EquivOptions = {}): Promise<Equivalence> {
  const G = typeof gold === 'string' ? { answer: gold } : gold
  const P = typeof pred === 'string' ? { answer: pred } : pred
  for (const s of [G.answer, P.answer]) {
    const over = answerLimit(s)
    if (over) return { equal: false, path: 'limit', reason: s === G.answer ? `reference: ${over}` : over }
  }
  return compareRead(readAnswer(G), readAnswer(P), options)
}
