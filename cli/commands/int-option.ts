/** Integer command-line options with explicit bounds (a bad value is a UsageError naming the flag). */
import { UsageError } from '../command.js'

export function intOption(flag: string, value: string | undefined, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer in [${min}, ${max}], got ${value}`)
  return n
}
