/**
 * Calibration of the rollout-honesty threshold (LearnConfig.logprobTolerance, mean per-token |Δ|) on a real model
 * and real onnxruntime: an honest float32 sampler (the learner's own weights), a simulated bf16 sampler (every
 * weight rounded to bfloat16, as a bf16 engine holds them), a worker with other weights and one that fakes its
 * log-probs. The honest ones must pass the default tolerance with a wide margin (their differences go to the IS
 * correction instead), the dishonest ones must be flagged. The figures are printed.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_LEARN_CONFIG, groupDisagreement, tinyModel, type Row } from '../../../learner/service/index.js'
import { createRng } from '../../../learner/sample/index.js'
import { Trainer } from '../../../learner/trainer/index.js'

/** Round to the nearest bfloat16 (ties to even), as a bf16 engine stores weights. */
function bf16(x: Float32Array): Float32Array {
  const u = new Uint32Array(x.slice().buffer)
  for (let i = 0; i < u.length; i++) u[i] = ((u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16) << 16
  return new Float32Array(u.buffer)
}

describe('rollout honesty threshold', () => {
  const model = tinyModel(3)
  const trainer = new Trainer(model.config, model.params, { threads: 1, temperature: 1 })
  afterAll(() => trainer.close())

  it('passes honest float32 and bf16 samplers, flags other weights and faked log-probs', async () => {
    const rng = createRng(9)
    const P = 6
    const C = 24
    const inputIds = Array.from({ length: 8 }, () => Array.from({ length: P + C }, () => 1 + Math.floor(rng.next() * (model.config.vocab_size - 1))))
    const completionMask = inputIds.map((r) => r.map((_, t) => (t >= P ? 1 : 0)))
    const learner = (await trainer.logprobs({ inputIds, completionMask })).logprobs
    const reportedBy = async (weights: Map<string, Float32Array>) => (await trainer.logprobs({ inputIds, completionMask }, { weights })).logprobs
    const rowsOf = (reported: number[][]): Row[] => inputIds.map((ids, b) => ({ inputIds: ids, completionMask: completionMask[b], promptLength: P, reported: reported[b].slice(P), reward: 0, truncated: false }))
    const samplers: Record<string, number[][]> = {
      'float32 (same weights)': await reportedBy(new Map(model.params)),
      'bf16 weights': await reportedBy(new Map([...model.params].map(([k, v]) => [k, bf16(v)]))),
      'other weights': await reportedBy(tinyModel(4).params),
      'faked (+0.3 nats)': learner.map((r) => r.map((x) => x + 0.3)),
    }
    const tol = DEFAULT_LEARN_CONFIG.logprobTolerance
    const d = Object.fromEntries(Object.entries(samplers).map(([k, rep]) => [k, groupDisagreement(rowsOf(rep), learner)!]))
    for (const [k, x] of Object.entries(d)) console.log(`${k.padEnd(24)} mean |Δ| ${x.meanAbsDiff.toExponential(2)}  max |Δ| ${x.maxAbsDiff.toExponential(2)}  mismatch KL ${x.mismatchKl.toExponential(2)}  (tolerance ${tol})`)
    expect(d['float32 (same weights)'].meanAbsDiff).toBeLessThan(1e-5)
    expect(d['bf16 weights'].meanAbsDiff).toBeGreaterThan(1e-4) // the simulation really perturbs
    expect(d['bf16 weights'].meanAbsDiff).toBeLessThan(tol / 3)
    expect(d['other weights'].meanAbsDiff).toBeGreaterThan(tol)
    expect(d['faked (+0.3 nats)'].meanAbsDiff).toBeGreaterThan(tol)
  })
})
