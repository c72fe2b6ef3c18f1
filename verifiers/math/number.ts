/**
 * Fast path: exact numbers without the CAS. Parses a normalised answer that is a plain number — integer, decimal,
 * scientific notation (`1.5e3`, `1.5\times10^{3}`, `1.5\cdot 10^{-3}`), fraction (`a/b`, `\frac{a}{b}`), mixed
 * number (`3\frac{1}{2}`, `3 1/2`), with a sign — into an exact rational (bigint numerator/denominator), so
 * `0.5`, `1/2`, `\frac{2}{4}` and `5e-1` compare exactly. Anything else returns null (the CAS decides).
 */
export interface Rational {
  num: bigint
  /** > 0 */
  den: bigint
}

const MAX_EXP = 400
const MAX_DIGITS = 400

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a
  b = b < 0n ? -b : b
  while (b) [a, b] = [b, a % b]
  return a
}

export function rational(num: bigint, den: bigint): Rational | null {
  if (den === 0n) return null
  if (den < 0n) {
    num = -num
    den = -den
  }
  const g = gcd(num, den) || 1n
  return { num: num / g, den: den / g }
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:\s*(?:e|E|\\times\s*10\^|\\cdot\s*10\^|\*\s*10\^|×\s*10\^)\s*\{?([+-]?\d+)\}?)?$/

/** `-12.5e-3` style decimals (also `.5`, `5.`) → exact rational. */
function parseDecimal(s: string): Rational | null {
  const m = DECIMAL.exec(s)
  if (!m) return null
  const [, sign, int, frac = '', exp] = m
  if (int === '' && frac === '') return null
  if (int.length + frac.length > MAX_DIGITS) return null
  const e = (exp ? Number(exp) : 0) - frac.length
  if (Math.abs(e) > MAX_EXP) return null
  let num = BigInt((int || '0') + frac)
  if (sign === '-') num = -num
  return e >= 0 ? rational(num * 10n ** BigInt(e), 1n) : rational(num, 10n ** BigInt(-e))
}

function add(a: Rational, b: Rational): Rational | null {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den)
}

function div(a: Rational, b: Rational): Rational | null {
  return rational(a.num * b.den, a.den * b.num)
}

const FRAC = /^([+-]?)\\frac\{([^{}]+)\}\{([^{}]+)\}$/
const SLASH = /^([+-]?)([^/\s]+)\/([^/\s]+)$/
const MIXED_TEX = /^([+-]?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}$/
const MIXED_SLASH = /^([+-]?)(\d+)\s+(\d+)\/(\d+)$/

/** Exact value of a plain-number answer, or null. */
export function parseRational(input: string): Rational | null {
  const s = input.trim()
  if (s.length === 0 || s.length > 2 * MAX_DIGITS) return null
  const d = parseDecimal(s)
  if (d) return d
  let m = MIXED_TEX.exec(s) ?? MIXED_SLASH.exec(s)
  if (m) {
    const whole = rational(BigInt(m[2]), 1n)!
    const part = rational(BigInt(m[3]), BigInt(m[4]))
    const v = part && Number(m[3]) < Number(m[4]) ? add(whole, part) : null // 3 1/2 only when proper
    return v && m[1] === '-' ? { num: -v.num, den: v.den } : v
  }
  m = FRAC.exec(s) ?? SLASH.exec(s)
  if (m) {
    const a = parseDecimal(m[2].trim())
    const b = parseDecimal(m[3].trim())
    const v = a && b ? div(a, b) : null
    return v && m[1] === '-' ? { num: -v.num, den: v.den } : v
  }
  return null
}

export function toNumber(r: Rational): number {
  // Scale big operands down before converting, keeping 17 significant digits.
  const n = Number(r.num)
  const d = Number(r.den)
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d
  const shift = BigInt(Math.max(r.num.toString().length, r.den.toString().length) - 300)
  const p = 10n ** (shift > 0n ? shift : 0n)
  return Number(r.num / p) / Number(r.den / p)
}

export interface Tolerance {
  /** Relative tolerance: |a−b| ≤ rel·max(|a|,|b|). */
  rel: number
  /** Absolute tolerance: |a−b| ≤ abs. */
  abs: number
}

/** Within tolerance, bounds included: a difference exactly at the bound (`1.01` against `1` with abs 0.01, whose float
 * difference is 0.010000000000000009) is within it — the subtraction's rounding (a few ulps of the operands) is not
 * held against it, as it is no real difference. */
export function closeEnough(a: number, b: number, tol: Tolerance): boolean {
  if (a === b) return true
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false
  const diff = Math.abs(a - b)
  const scale = Math.max(Math.abs(a), Math.abs(b))
  const noise = tol.abs > 0 ? 4 * Number.EPSILON * Math.max(scale, tol.abs) : 0
  return diff <= tol.abs + noise || diff <= tol.rel * scale
}

/** Equal exactly, or within tolerance. */
export function rationalEqual(a: Rational, b: Rational, tol: Tolerance): boolean {
  if (a.num === b.num && a.den === b.den) return true
  return closeEnough(toNumber(a), toNumber(b), tol)
}
