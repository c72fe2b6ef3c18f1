/**
 * The CAS path: @cortex-js/compute-engine (0.140.0, MIT, pure JS: runs in workerd; ~1 MB gzip, loaded lazily with
 * a dynamic import so a Worker evaluates it only when a math comparison reaches this path). Both sides must parse
 * as *valid* LaTeX (an invalid parse never counts as equal). Equal when structurally the same (`isSame`), or when
 * both evaluate to numbers within tolerance, or — with free variables — when they agree at 3 fixed sample points.
 * Inputs reaching here are size- and nesting-bounded by LIMITS (math answers ≤ 500 chars, nesting ≤ 24).
 */
import { CAS_COMMANDS } from './commands.js'
import { evaluate, type Json } from './evaluate.js'
import { exactSample, exactValue } from './exact.js'
import { fastParse, variables } from './fast.js'
import { closeEnough, type Rational, type Tolerance } from './number.js'

type Engine = import('@cortex-js/compute-engine').ComputeEngine
type Expr = NonNullable<ReturnType<Engine['parse']>>

let engine: Promise<Engine> | null = null

/** The shared engine (first call loads the library). */
export function loadEngine(): Promise<Engine> {
  engine ??= import('@cortex-js/compute-engine').then((m) => new m.ComputeEngine())
  return engine
}

/** Most free variables an expression may have: 4 through the engine (each sample point costs an evaluation there),
 * 8 in fast.ts's subset (microseconds a point: `0 = -x + y/A + (y-z)/B` has five). */
const MAX_FAST_VARIABLES = 8

/** Sample points for expressions with free variables (fixed: verdicts are deterministic). */
const SAMPLES = [0.5377, 1.8339, -2.2588]

/** Numeric value: the fast float evaluator, else the engine's N() (complex values, special functions). */
function numeric(e: Expr | null, vars: Record<string, number> = {}): { re: number; im: number } | null {
  if (!e) return null
  const fast = evaluate(e.json as Parameters<typeof evaluate>[0], vars)
  if (fast !== undefined) return { re: fast, im: 0 }
  const v = (Object.keys(vars).length ? e.subs(vars) : e).N()
  const re = v.re
  const im = v.im
  if (typeof re !== 'number' || Number.isNaN(re)) return null
  return { re, im: typeof im === 'number' && !Number.isNaN(im) ? im : 0 }
}

function numbersClose(a: { re: number; im: number }, b: { re: number; im: number }, tol: Tolerance): boolean {
  return closeEnough(a.re, b.re, tol) && closeEnough(a.im, b.im, { rel: tol.rel, abs: Math.max(tol.abs, 1e-12) })
}

export type CasResult = { equal: boolean; reason: string }

/** Parses of recent answers: a group's G completions share one reference, parsed once (LRU, 64 entries). */
const parsed = new Map<string, Expr>()
const PARSE_CACHE = 64

function parseCached(ce: Engine, latex: string): Expr | null {
  let e = parsed.get(latex)
  if (e) {
    parsed.delete(latex)
  } else {
    e = ce.parse(latex) ?? undefined
    if (!e) return null
    if (parsed.size >= PARSE_CACHE) parsed.delete(parsed.keys().next().value!)
  }
  parsed.set(latex, e)
  return e
}


/** Largest integer exponent the CAS may meet (exact big-integer powers cost time). */
export const CAS_MAX_EXPONENT = 10_000

/** Why an answer must not reach the CAS, or null when it may. */
export function casGuard(s: string): string | null {
  for (const m of s.matchAll(/\\(?:\\|([a-zA-Z]+))/g)) {
    if (!m[1]) continue // a `\\` row break (`a\\b` is two rows, not the command \b)
    // A matrix environment may reach the engine inside an expression (`\det\begin{pmatrix}…\end{pmatrix}`).
    if ((m[1] === 'begin' || m[1] === 'end') && /^\\(?:begin|end)\{[pbvBV]?matrix\}/.test(s.slice(m.index))) continue
    if (!CAS_COMMANDS.has(m[1])) return `unsupported command \\${m[1]}`
  }
  if (/\\binom(?!\{\d{1,3}\}\{\d{1,3}\})/.test(s)) return 'binomial with large or symbolic arguments'
  if (/\d{4,}\s*!/.test(s)) return 'factorial of a large number'
  for (const m of s.matchAll(/\^\s*(?:\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}|(\d+))/g)) {
    const exp = m[1] ?? m[2]
    if (/\^/.test(exp) && !/[a-zA-Z]/.test(s.replace(/\\(?:\\|[a-zA-Z]+)/g, ''))) return 'numeric power tower'
    for (const n of exp.matchAll(/\d+/g)) if (n[0].length > 6 || Number(n[0]) > CAS_MAX_EXPONENT) return 'exponent too large'
  }
  return null
}

/** The default relative tolerance (compare.ts): at or below it, a polynomial comparison is exact. */
const DEFAULT_REL = 1e-9

/** Equality of two polynomial or rational expressions at the sample points, exactly; null when either side leaves
 * that subset or divides by zero at a point. */
type Node = NonNullable<ReturnType<typeof fastParse>>

function exactEqual(A: Node, B: Node, vars: string[]): CasResult | null {
  let agreed = 0
  for (let k = 0; k < SAMPLES.length; k++) {
    const sub: Record<string, Rational> = {}
    vars.forEach((v, j) => (sub[v] = exactSample(SAMPLES[(k + j) % SAMPLES.length] + j * 0.1)))
    const a = exactValue(A, sub)
    const b = a === undefined ? undefined : exactValue(B, sub)
    if (a === undefined || b === undefined) return null
    if (a.num !== b.num || a.den !== b.den) return { equal: false, reason: 'not equal (exactly, at a sample point)' }
    agreed++
  }
  return agreed === SAMPLES.length ? { equal: true, reason: 'equal at sample points (exactly)' } : null
}

/**
 * The same decision without the engine when both sides are in fast.ts's subset: numbers compared as numbers,
 * expressions at the same kind of sample points. Null when it cannot decide (the engine then does).
 */
function fastEqual(gold: string, pred: string, tol: Tolerance): CasResult | null {
  const A = fastParse(gold)
  const B = A === null ? null : fastParse(pred)
  if (A === null || B === null) return null
  const vars = [...new Set([...variables(A), ...variables(B)])].sort()
  if (vars.length === 0) {
    const a = evaluate(A as Json, {})
    const b = evaluate(B as Json, {})
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return null
    return closeEnough(a, b, tol) ? { equal: true, reason: 'numerically equal' } : { equal: false, reason: 'not equal' }
  }
  if (vars.length > MAX_FAST_VARIABLES) return null
  // Polynomials and rational functions, compared at the default tolerance ("exact up to float noise"): exactly.
  if (tol.rel <= DEFAULT_REL && tol.abs === 0) {
    const exact = exactEqual(A, B, vars)
    if (exact) return exact
  }
  let agreed = 0
  for (let k = 0; k < SAMPLES.length; k++) {
    const sub: Record<string, number> = {}
    vars.forEach((v, j) => (sub[v] = SAMPLES[(k + j) % SAMPLES.length] + j * 0.1))
    const a = evaluate(A as Json, sub)
    const b = evaluate(B as Json, sub)
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) continue
    if (!closeEnough(a, b, { rel: Math.max(tol.rel, 1e-9), abs: Math.max(tol.abs, 1e-9) })) return { equal: false, reason: 'not equal' }
    agreed++
  }
  return agreed >= 2 ? { equal: true, reason: 'equal at sample points' } : null
}

export function casEqual(ce: Engine, gold: string, pred: string, tol: Tolerance): CasResult {
  const unsafe = casGuard(gold) ?? casGuard(pred)
  if (unsafe) return { equal: false, reason: `not compared: ${unsafe}` }
  const fast = fastEqual(gold, pred, tol)
  if (fast) return fast
  let A: Expr | null
  let B: Expr | null
  try {
    A = parseCached(ce, gold)
    B = parseCached(ce, pred)
  } catch {
    return { equal: false, reason: 'unparseable' }
  }
  if (!A || !B) return { equal: false, reason: 'unparseable' }
  if (!A.isValid) return { equal: false, reason: 'reference does not parse' }
  if (!B.isValid) return { equal: false, reason: 'answer does not parse' }
  try {
    if (A.isSame(B)) return { equal: true, reason: 'same expression' }
    const vars = [...new Set([...A.unknowns, ...B.unknowns])]
    if (vars.length === 0) {
      const a = numeric(A)
      const b = numeric(B)
      if (a && b) return numbersClose(a, b, tol) ? { equal: true, reason: 'numerically equal' } : { equal: false, reason: 'not equal' }
      return { equal: false, reason: 'not comparable' }
    }
    if (vars.length > 4) return { equal: false, reason: 'too many variables' }
    let agreed = 0
    for (let k = 0; k < SAMPLES.length; k++) {
      const sub: Record<string, number> = {}
      vars.forEach((v, j) => (sub[v] = SAMPLES[(k + j) % SAMPLES.length] + j * 0.1))
      const a = numeric(A, sub)
      const b = numeric(B, sub)
      // A point where either side leaves the reals (a root of a negative number) tells nothing about equality:
      // principal branches differ between equivalent forms. At least two real points must agree.
      if (!a || !b || Math.abs(a.im) > 1e-12 || Math.abs(b.im) > 1e-12) continue
      if (!numbersClose(a, b, { rel: Math.max(tol.rel, 1e-9), abs: Math.max(tol.abs, 1e-9) }))
        return { equal: false, reason: 'not equal' }
      agreed++
    }
    return agreed >= 2 ? { equal: true, reason: 'equal at sample points' } : { equal: false, reason: 'not comparable' }
  } catch {
    return { equal: false, reason: 'CAS failed' }
  }
}

/** Are the expressions `a` and `b` (each `lhs − rhs` of an equation) nonzero multiples of each other? With `positive`
 * (two inequalities `a < 0`, `b < 0`), positive multiples only. */
export function casProportional(ce: Engine, a: string, b: string, tol: Tolerance, positive = false): CasResult {
  const unsafe = casGuard(a) ?? casGuard(b)
  if (unsafe) return { equal: false, reason: `not compared: ${unsafe}` }
  try {
    // Both sides in fast.ts's subset: evaluate its trees; else the engine parses them.
    const fa = fastParse(a)
    const fb = fa === null ? null : fastParse(b)
    const fast = fa !== null && fb !== null
    const A = fast ? null : parseCached(ce, a)
    const B = fast ? null : parseCached(ce, b)
    if (!fast && (!A?.isValid || !B?.isValid)) return { equal: false, reason: 'equation does not parse' }
    const vars = fast ? [...new Set([...variables(fa), ...variables(fb!)])].sort() : [...new Set([...A!.unknowns, ...B!.unknowns])]
    const at = (side: Json | null, E: Expr | null, sub: Record<string, number>) => {
      if (!fast) return numeric(E, sub)
      const v = evaluate(side!, sub)
      return v === undefined || !Number.isFinite(v) ? null : { re: v, im: 0 }
    }
    if (vars.length === 0 || vars.length > (fast ? MAX_FAST_VARIABLES : 4)) return { equal: false, reason: 'not comparable' }
    let ratio: number | null = null
    for (let k = 0; k < SAMPLES.length; k++) {
      const sub: Record<string, number> = {}
      vars.forEach((v, j) => (sub[v] = SAMPLES[(k + j) % SAMPLES.length] + j * 0.1))
      const x = at(fa as Json, A, sub)
      const y = at(fb as Json, B, sub)
      if (!x || !y || x.im !== 0 || y.im !== 0 || Math.abs(y.re) < 1e-12) return { equal: false, reason: 'not comparable' }
      const r = x.re / y.re
      if (ratio === null) ratio = r
      else if (!closeEnough(r, ratio, { rel: Math.max(tol.rel, 1e-9), abs: Math.max(tol.abs, 1e-12) }))
        return { equal: false, reason: positive ? 'different inequalities' : 'different equations' }
    }
    if (positive && ratio !== null && ratio < 0) return { equal: false, reason: 'opposite inequalities' }
    return ratio !== null && Math.abs(ratio) > 1e-12
      ? { equal: true, reason: positive ? 'same inequality' : 'same equation' }
      : { equal: false, reason: positive ? 'different inequalities' : 'different equations' }
  } catch {
    return { equal: false, reason: 'CAS failed' }
  }
}
