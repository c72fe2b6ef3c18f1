/**
 * Exact values of polynomial and rational expressions (fast.ts's trees of numbers, variables, + − × ÷ and integer
 * powers) at rational points, in bigint rationals. Sampling in floats cannot tell a polynomial from one whose constant
 * term is off by one when its values are near 1e11 (the difference is below any float tolerance), and cancellation in a
 * long expanded polynomial can make two equal ones differ by more than float noise; exact values decide both.
 * Anything else (constants such as π, functions, roots, non-integer or large powers) returns undefined.
 */
import { rational, type Rational } from './number.js'

type Node = number | string | Node[]

/** Largest |exponent| evaluated exactly (a power of a 4-digit decimal to it stays a few hundred digits). */
const MAX_POWER = 64

const ONE: Rational = { num: 1n, den: 1n }

function fromNumber(n: number): Rational | undefined {
  if (!Number.isFinite(n)) return undefined
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? { num: BigInt(n), den: 1n } : undefined
  // The shortest decimal that reads back as n: the literal as written, for literals of up to 15 significant digits.
  const m = /^(-?)(\d+)\.(\d+)$/.exec(String(n))
  return m ? (rational(BigInt(`${m[1]}${m[2]}${m[3]}`), 10n ** BigInt(m[3].length)) ?? undefined) : undefined
}

const mul = (a: Rational, b: Rational) => rational(a.num * b.num, a.den * b.den) ?? undefined
const sum = (a: Rational, b: Rational, sign: bigint) => rational(a.num * b.den + sign * b.num * a.den, a.den * b.den) ?? undefined

function power(b: Rational, e: Rational): Rational | undefined {
  if (e.den !== 1n || e.num > BigInt(MAX_POWER) || e.num < -BigInt(MAX_POWER)) return undefined
  let k = e.num < 0n ? -e.num : e.num
  let r = ONE
  let x = b
  while (k > 0n) {
    if (k & 1n) r = mul(r, x)!
    x = mul(x, x)!
    k >>= 1n
  }
  return e.num < 0n ? (rational(r.den, r.num) ?? undefined) : r
}

/** The exact value of `e` with `vars` bound, or undefined outside the polynomial/rational subset (or 1/0). */
export function exactValue(e: Node, vars: Record<string, Rational>): Rational | undefined {
  if (typeof e === 'number') return fromNumber(e)
  if (typeof e === 'string') return vars[e]
  const [head, ...rest] = e
  const args: Rational[] = []
  for (const a of rest) {
    const v = exactValue(a, vars)
    if (v === undefined) return undefined
    args.push(v)
  }
  switch (head) {
    case 'Negate':
      return { num: -args[0].num, den: args[0].den }
    case 'Add':
      return sum(args[0], args[1], 1n)
    case 'Subtract':
      return sum(args[0], args[1], -1n)
    case 'Multiply':
      return mul(args[0], args[1])
    case 'Divide':
      return rational(args[0].num * args[1].den, args[0].den * args[1].num) ?? undefined
    case 'Power':
      return power(args[0], args[1])
    default:
      return undefined
  }
}

/** A sample point's value as an exact rational (the samples are 4-digit decimals). */
export function exactSample(v: number): Rational {
  return rational(BigInt(Math.round(v * 10_000)), 10_000n)!
}
