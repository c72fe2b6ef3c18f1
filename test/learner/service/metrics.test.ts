/**
 * The live progress line and the stored step metrics say when no KL is computed (β 0: no reference model is
 * scored), instead of printing a KL of 0.
 */
import { describe, expect, it } from 'vitest'
import { progressLine, stepMetrics } from '../../../learner/service/index.js'
import type { StepMetrics } from '../../../learner/trainer/index.js'

const trainer = (kl?: number): StepMetrics => ({
  loss: 0.1, ...(kl !== undefined && { kl }), entropy: 1.2, 'clip_ratio/low_mean': 0, 'clip_ratio/high_mean': 0, 'clip_ratio/region_mean': 0,
  cispo_clip_ratio: 0, 'off_policy_mask/masked_fraction': 0, 'entropy_mask/kept_fraction': 1, grad_norm: 0.5, learning_rate: 1e-4,
  num_tokens: 100, updates: 1, skipped_updates: 0, step_time_s: 0.1, tokens_per_second: 1000,
} as StepMetrics)
const context = (t: StepMetrics) => ({ groups: [], trainer: t, fracZeroStd: 0, rewardStdMean: 0, version: 1, flagged: 0, stale: 0, seconds: 1, maxStaleness: 4 })

describe('progress line and step metrics: kl', () => {
  it('β 0: no kl in the metrics and `kl off` on the line, never a computed-looking 0', () => {
    const m = stepMetrics(context(trainer()))
    expect(m).not.toHaveProperty('kl')
    const line = progressLine(12, m, 3, 2)
    expect(line).toContain('kl off')
    expect(line).not.toMatch(/kl 0\.0000/)
  })

  it('β > 0: the KL the trainer computed, to 4 decimals', () => {
    const m = stepMetrics(context(trainer(0.0031)))
    expect(m.kl).toBe(0.0031)
    expect(progressLine(12, m, 3, 2)).toContain('kl 0.0031')
    expect(progressLine(12, { ...m, kl: 0 }, 3, 2)).toContain('kl 0.0000') // a real 0 still prints as one
  })
})
