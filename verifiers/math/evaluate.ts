/**
 * A small float64 evaluator for canonical MathJSON (the CAS's parse output): numbers, rationals, + − × ÷, powers
 * and roots, the elementary functions and constants. It replaces the engine's `N()` / `subs()` for the numeric
 * checks, which cost milliseconds per call; anything it does not know (complex values, special functions)
 * returns undefined and the caller falls back to the engine.
 */
export type Json = number | string | { num: string } | Json[]

const CONSTANTS: Record<string, number> = { Pi: Math.PI, ExponentialE: Math.E, PositiveInfinity: Infinity, NegativeInfinity: -Infinity, Half: 0.5 }

/** A sine, cosine or tangent whose float value is rounding noise at a multiple of π or π/2 (`\sin(7\pi)` is 8.6e-16 in
 * float64, not 0): exactly 0. Only for |x| ≥ 1, where the noise grows with x (about ε·|x|); below that the function is
 * accurate and only x = 0 gives 0 (`\sin(10^{-20})` stays 10^{-20}). */
const zeroNoise = (v: number, x: number) => (Math.abs(x) >= 1 && Math.abs(v) < 8 * Number.EPSILON * Math.abs(x) ? 0 : v)
const sin = (x: number) => zeroNoise(Math.sin(x), x)
const cos = (x: number) => zeroNoise(Math.cos(x), x)
const tan = (x: number) => zeroNoise(Math.tan(x), x)

const UNARY: Record<string, (x: number) => number> = {
  Negate: (x) => -x,
  Sqrt: Math.sqrt,
  Abs: Math.abs,
  Exp: Math.exp,
  Ln: Math.log,
  Sin: sin,
  Cos: cos,
  Tan: tan,
  Cot: (x) => 1 / tan(x),
  Sec: (x) => 1 / cos(x),
  Csc: (x) => 1 / sin(x),
  Arcsin: Math.asin,
  Arccos: Math.acos,
  Arctan: Math.atan,
  Sinh: Math.sinh,
  Cosh: Math.cosh,
  Tanh: Math.tanh,
  Floor: Math.floor,
  Ceil: Math.ceil,
}

/** Value of `e` with `vars` bound, or undefined when the evaluator cannot handle it (or the value is complex). */
export function evaluate(e: Json, vars: Record<string, number>): number | undefined {
  if (typeof e === 'number') return e
  if (typeof e === 'string') {
    if (e in vars) return vars[e]
    if (e in CONSTANTS) return CONSTANTS[e]
    const n = Number(e)
    return Number.isNaN(n) ? undefined : n
  }
  if (!Array.isArray(e)) return typeof e.num === 'string' ? Number.parseFloat(e.num) : undefined
  const [head, ...rest] = e
  const args: number[] = []
  for (const a of rest) {
    const v = evaluate(a, vars)
    if (v === undefined) return undefined
    args.push(v)
  }
  let v: number | undefined
  switch (head) {
    case 'Add':
      v = args.reduce((s, x) => s + x, 0)
      break
    case 'Multiply':
      v = args.reduce((s, x) => s * x, 1)
      break
    case 'Subtract':
      v = args.length === 1 ? -args[0] : args[0] - args[1]
      break
    case 'Divide':
    case 'Rational':
      v = args[0] / args[1]
      break
    case 'Power':
      v = Math.pow(args[0], args[1])
      break
    case 'Square':
      v = args[0] * args[0]
      break
    case 'Root':
      v = args[1] % 2 === 1 && args[0] < 0 ? -Math.pow(-args[0], 1 / args[1]) : Math.pow(args[0], 1 / args[1])
      break
    case 'Log':
      v = args.length === 2 ? Math.log(args[0]) / Math.log(args[1]) : Math.log10(args[0])
      break
    case 'Lb':
      v = Math.log2(args[0])
      break
    case 'Lg':
      v = Math.log10(args[0])
      break
    default:
      v = typeof head === 'string' && head in UNARY && args.length === 1 ? UNARY[head](args[0]) : undefined
  }
  return v === undefined || Number.isNaN(v) ? undefined : v
}
