/**
 * The statistics every bench reports: median (mean of the middle two for an even count, so two runs do not report
 * the slower one), min–max spread, and nearest-rank percentiles for latencies.
 */

export interface Spread {
  median: number
  min: number
  max: number
}

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN

export function spread(xs: readonly number[]): Spread {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (!s.length) return { median: NaN, min: NaN, max: NaN }
  const mid = s.length >> 1
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] }
}

export const median = (xs: readonly number[]): number => spread(xs).median

/** "median [min–max]" with `digits` decimals; "—" when there is nothing finite. */
export function formatSpread(xs: readonly number[], digits = 0): string {
  const s = spread(xs)
  return Number.isFinite(s.median) ? `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}–${s.max.toFixed(digits)}]` : '—'
}
