/**
 * Answer equivalence: normalise both sides, parse their shape, then compare shape by shape. Scalars take the
 * cheapest path that decides: identical text → exact rationals (no CAS) → the CAS. Collections: sequences are
 * ordered and keep their brackets (`[0,1)` ≠ `[0,1]`), sets / bare lists / unions are unordered, and sizes must
 * agree (a prediction listing several answers never matches a single gold). Percent: `50\%` matches `50` and
 * `0.5`. Equations that are not assignments compare as `lhs − rhs` up to sign.
 */
import { LIMITS, nestingDepth } from '../limits.js'
import { casEqual, loadEngine } from './cas.js'
import { normalizeAnswer, type Normalized } from './normalize.js'
import { parseRational, rationalEqual, rational, type Rational, type Tolerance } from './number.js'
import { answerSize, MAX_ITEMS, parseAnswer, type Answer } from './structure.js'

export const DEFAULT_TOLERANCE: Tolerance = { rel: 1e-9, abs: 0 }

export interface EquivOptions {
  tolerance?: Tolerance
  /** Use the CAS when the fast paths cannot decide (default true). */
  cas?: boolean
}

export interface Equivalence {
  equal: boolean
  /** Which path decided: text, rational, cas, shape, limit. */
  path: 'text' | 'rational' | 'cas' | 'shape' | 'limit'
  reason: string
}

type Engine = Awaited<ReturnType<typeof loadEngine>>

interface Side {
  n: Normalized
  answer: Answer
}

function withPercent(r: Rational, percent: boolean, otherPercent: boolean): Rational[] {
  if (!percent || otherPercent) return [r]
  const scaled = rational(r.num, r.den * 100n)
  return scaled ? [r, scaled] : [r]
}

function scalarEqual(
  gold: string,
  pred: string,
  gp: boolean,
  pp: boolean,
  opts: Required<EquivOptions>,
  ce: Engine | null,
): Equivalence {
  if (gold === pred && gp === pp) return { equal: true, path: 'text', reason: 'identical' }
  const rg = parseRational(gold)
  const rp = parseRational(pred)
  if (rg && rp) {
    for (const a of withPercent(rg, gp, pp))
      for (const b of withPercent(rp, pp, gp))
        if (rationalEqual(a, b, opts.tolerance)) return { equal: true, path: 'rational', reason: 'equal numbers' }
    return { equal: false, path: 'rational', reason: 'different numbers' }
  }
  if (gold === pred) return { equal: true, path: 'text', reason: 'identical' }
  if (!ce) return { equal: false, path: 'shape', reason: 'needs the CAS (disabled)' }
  const r = casEqual(ce, gold, pred, opts.tolerance)
  if (!r.equal && (gp || pp) && r.reason === 'not equal') {
    const r2 = gp && !pp ? casEqual(ce, `\\frac{${gold}}{100}`, pred, opts.tolerance) : casEqual(ce, gold, `\\frac{${pred}}{100}`, opts.tolerance)
    if (r2.equal) return { equal: true, path: 'cas', reason: r2.reason }
  }
  return { equal: r.equal, path: 'cas', reason: r.reason }
}

function answersEqual(g: Answer, p: Answer, side: { gp: boolean; pp: boolean }, opts: Required<EquivOptions>, ce: Engine | null): Equivalence {
  // A one-element set matches its element.
  if (g.kind === 'set' && g.items.length === 1 && p.kind !== 'set') return answersEqual(g.items[0], p, side, opts, ce)
  if (p.kind === 'set' && p.items.length === 1 && g.kind !== 'set') return answersEqual(g, p.items[0], side, opts, ce)
  if (g.kind !== p.kind) {
    const several = answerSize(p) > answerSize(g) ? ' (the answer lists several values)' : ''
    return { equal: false, path: 'shape', reason: `different kinds: ${g.kind} vs ${p.kind}${several}` }
  }
  if (g.kind === 'scalar' && p.kind === 'scalar') return scalarEqual(g.text, p.text, side.gp, side.pp, opts, ce)
  if (g.kind === 'eq' && p.kind === 'eq') {
    if (!ce) return { equal: false, path: 'shape', reason: 'needs the CAS (disabled)' }
    const a = `(${g.lhs})-(${g.rhs})`
    const direct = casEqual(ce, a, `(${p.lhs})-(${p.rhs})`, opts.tolerance)
    if (direct.equal) return { equal: true, path: 'cas', reason: 'same equation' }
    const flipped = casEqual(ce, a, `(${p.rhs})-(${p.lhs})`, opts.tolerance)
    return { equal: flipped.equal, path: 'cas', reason: flipped.equal ? 'same equation' : 'different equations' }
  }
  if (g.kind === 'seq' && p.kind === 'seq') {
    if (g.open !== p.open || g.close !== p.close) return { equal: false, path: 'shape', reason: 'different brackets' }
    if (g.items.length !== p.items.length) return { equal: false, path: 'shape', reason: 'different lengths' }
    let path: Equivalence['path'] = 'text'
    for (let i = 0; i < g.items.length; i++) {
      const r = answersEqual(g.items[i], p.items[i], side, opts, ce)
      if (!r.equal) return r
      if (r.path === 'cas' || (r.path === 'rational' && path === 'text')) path = r.path
    }
    return { equal: true, path, reason: 'equal elementwise' }
  }
  if (g.kind === 'set' && p.kind === 'set') {
    if (g.items.length !== p.items.length)
      return { equal: false, path: 'shape', reason: `different sizes (${g.items.length} vs ${p.items.length})` }
    const used = new Array<boolean>(p.items.length).fill(false)
    let path: Equivalence['path'] = 'text'
    for (const gi of g.items) {
      let found = false
      for (let j = 0; j < p.items.length && !found; j++) {
        if (used[j]) continue
        const r = answersEqual(gi, p.items[j], side, opts, ce)
        if (r.equal) {
          used[j] = found = true
          if (r.path === 'cas' || (r.path === 'rational' && path === 'text')) path = r.path
        }
      }
      if (!found) return { equal: false, path: 'shape', reason: 'an element has no match' }
    }
    return { equal: true, path, reason: 'equal as sets' }
  }
  return { equal: false, path: 'shape', reason: 'different shapes' }
}

function needsCas(a: Answer): boolean {
  if (a.kind === 'scalar') return parseRational(a.text) === null
  if (a.kind === 'eq') return true
  return a.items.some(needsCas)
}

/** Reason string when an answer is over the size limits, else null. */
export function answerLimit(s: string): string | null {
  if (s.length > LIMITS.mathAnswerChars) return `answer too long (${s.length} > ${LIMITS.mathAnswerChars} characters)`
  if (nestingDepth(s) > LIMITS.mathNesting) return `answer nested too deeply (> ${LIMITS.mathNesting} levels)`
  return null
}

function side(s: string): Side {
  const n = normalizeAnswer(s)
  return { n, answer: parseAnswer(n.text) }
}

/** Is `pred` (an extracted final answer) equivalent to `gold`? */
export async function mathEqual(gold: string, pred: string, options: EquivOptions = {}): Promise<Equivalence> {
  const opts: Required<EquivOptions> = { tolerance: options.tolerance ?? DEFAULT_TOLERANCE, cas: options.cas ?? true }
  for (const s of [gold, pred]) {
    const over = answerLimit(s)
    if (over) return { equal: false, path: 'limit', reason: s === gold ? `reference: ${over}` : over }
  }
  const g = side(gold)
  const p = side(pred)
  if (g.n.text === '' || p.n.text === '') return { equal: false, path: 'shape', reason: 'empty answer' }
  if (answerSize(g.answer) > MAX_ITEMS || answerSize(p.answer) > MAX_ITEMS)
    return { equal: false, path: 'limit', reason: `more than ${MAX_ITEMS} elements` }
  const ce = opts.cas && (needsCas(g.answer) || needsCas(p.answer)) ? await loadEngine() : null
  return answersEqual(g.answer, p.answer, { gp: g.n.percent, pp: p.n.percent }, opts, ce)
}
