/**
 * Learning-rate schedules. `step` counts optimizer updates from 0; update k uses lrAt(k).
 *   warmup (k < warmupSteps):  lr · (k + 1) / warmupSteps        (linear; the first update is not wasted at 0)
 *   constant:                  lr
 *   cosine:                    lr · (r + (1 − r) · ½(1 + cos(π · progress))),  r = minLrRatio,
 *                              progress = (k − warmupSteps) / (totalSteps − warmupSteps), clamped to [0, 1]
 *                              or, with totalSeconds (a run limited by time, not updates): progress = t / totalSeconds,
 *                              t the seconds of training so far (the caller's clock), clamped to [0, 1]
 */
export interface LrSchedule {
  kind: 'constant' | 'cosine'
  /** peak learning rate */
  lr: number
  warmupSteps: number
  /** cosine only: the step at which the rate reaches lr · minLrRatio (and stays) */
  totalSteps?: number
  /** cosine only, instead of totalSteps: the seconds of training at which the rate reaches lr · minLrRatio */
  totalSeconds?: number
  /** cosine only: floor as a fraction of lr (default 0) */
  minLrRatio?: number
}

export function checkSchedule(s: LrSchedule): void {
  if (!(s.lr >= 0 && Number.isFinite(s.lr))) throw new RangeError(`lr must be finite and ≥ 0, got ${s.lr}`)
  if (!(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 0)) throw new RangeError(`warmupSteps must be an integer ≥ 0`)
  if (s.kind === 'cosine') {
    if (s.totalSeconds !== undefined) {
      if (s.totalSteps !== undefined) throw new RangeError('cosine schedule: give totalSteps or totalSeconds, not both')
      if (!(s.totalSeconds > 0 && Number.isFinite(s.totalSeconds))) throw new RangeError(`cosine schedule needs totalSeconds > 0, got ${s.totalSeconds}`)
    } else if (!(Number.isInteger(s.totalSteps) && s.totalSteps! > s.warmupSteps))
      throw new RangeError(`cosine schedule needs an integer totalSteps > warmupSteps (or totalSeconds), got ${s.totalSteps}`)
    const r = s.minLrRatio ?? 0
    if (!(r >= 0 && r <= 1)) throw new RangeError(`minLrRatio must be in [0, 1], got ${r}`)
  } else if (s.kind !== 'constant') throw new RangeError(`unknown schedule kind ${String((s as { kind: unknown }).kind)}`)
}

/** The rate of update `step`; `seconds`: training time so far, used (only) by a cosine with totalSeconds. */
export function lrAt(step: number, s: LrSchedule, seconds = 0): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps
  if (s.kind === 'constant') return s.lr
  const r = s.minLrRatio ?? 0
  const progress = s.totalSeconds !== undefined
    ? Math.min(1, Math.max(0, seconds / s.totalSeconds))
    : Math.min(1, (step - s.warmupSteps) / (s.totalSteps! - s.warmupSteps))
  return s.lr * (r + (1 - r) * 0.5 * (1 + Math.cos(Math.PI * progress)))
}
