/** Numeric command-line options with explicit bounds (a bad value is a UsageError naming the flag and the range). */
import { UsageError } from '../command.js'

export function intOption(flag: string, value: string | undefined, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer in [${min}, ${max}], got ${value}`)
  return n
}

/** A range's ends: `lo` / `hi` as numbers, each closed (`[`, `]`) unless marked open. */
export interface Range {
  lo: number
  hi: number
  loOpen?: boolean
  hiOpen?: boolean
}

/** A real-valued option in `r` (e.g. `(0, 1]`); NaN and anything outside are refused. */
export function numberOption(flag: string, value: string | undefined, dflt: number, r: Range): number {
  if (value === undefined) return dflt
  const n = Number(value)
  const aboveLo = r.loOpen ? n > r.lo : n >= r.lo
  const belowHi = r.hiOpen ? n < r.hi : n <= r.hi
  if (!(aboveLo && belowHi)) throw new UsageError(`--${flag} must be a number in ${r.loOpen ? '(' : '['}${r.lo}, ${r.hi}${r.hiOpen ? ')' : ']'}, got ${value}`)
  return n
}
