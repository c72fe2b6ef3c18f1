/**
 * The sampler's log-prob convention against the independent PyTorch reference: for every position of the golden
 * batch, tokenLogprob(logits[b, t−1], ids[b, t], temperature) equals the reference's logprobs[b, t] — the same
 * number the learner's graphs must produce (pitfall: sampler and learner disagreeing on what a log-prob is).
 */
import { describe, expect, it } from 'vitest'
import { tokenLogprob } from '../../../learner/sample/index.js'
import { diffStats, GOLDEN_MODELS, loadGolden } from '../../fixtures/golden/index.js'

describe.each(GOLDEN_MODELS)('sampler log-probs vs the PyTorch reference (%s)', (name) => {
  it('match logprobs[b,t] at the batch temperature (float32 logits)', async () => {
    const { config, batch, expected } = await loadGolden(name)
    const V = config.vocab_size
    const T = batch.input_ids[0].length
    const logits = expected.logits.data as Float64Array
    const ours: number[] = []
    const ref: number[] = []
    batch.input_ids.forEach((row, b) => {
      for (let t = 1; t < T; t++) {
        const at = (b * T + t - 1) * V
        ours.push(tokenLogprob(Float32Array.from(logits.subarray(at, at + V)), row[t], batch.temperature))
        ref.push((expected.logprobs.data as Float64Array)[b * T + t])
      }
    })
    const { maxAbs } = diffStats(ours, ref)
    expect(maxAbs).toBeLessThan(1e-5)
  })
})
