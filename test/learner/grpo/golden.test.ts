/**
 * GRPO and SFT training graphs vs the independent PyTorch reference (test/fixtures/golden): for both models and
 * every case of the fixture, the loss, the KL and clip-ratio metrics and EVERY parameter gradient, built in
 * float64 (tight) and float32 (the training path). Max abs / rel differences are printed.
 */
import type * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { paramSpecs } from '../../../learner/config.js'
import { encodeModel } from '../../../learner/graph/index.js'
import { buildGrpoGraph, buildSftGraph, lossNormalizer } from '../../../learner/grpo/index.js'
import { idsTensor, paramFeeds, rowsTensor, scalarTensor } from '../../../learner/trainer/feeds.js'
import { tensor } from '../../../learner/runtime/index.js'
import { diffStats, GOLDEN_MODELS, loadGolden, type Golden } from '../../fixtures/golden/index.js'
import { runOnce } from '../model/helpers.js'

const TOL = { float64: { value: 1e-10, grad: 1e-9 }, float32: { value: 2e-5, grad: 5e-5 } }

const runGraph = runOnce

/** Compare every `grad.<param>` with expected `<prefix>.grad.<param>`; returns the worst abs diff. */
function compareGrads(gd: Golden, out: Record<string, ort.Tensor>, prefix: string, tol: number): { maxAbs: number; maxRel: number } {
  let maxAbs = 0
  let maxRel = 0
  for (const s of paramSpecs(gd.config)) {
    const d = diffStats(out[`grad.${s.name}`].data as ArrayLike<number>, gd.expected[`${prefix}.grad.${s.name}`].data as Float64Array, 1e-3)
    expect(d.maxAbs, `${prefix} grad ${s.name}`).toBeLessThan(tol)
    maxAbs = Math.max(maxAbs, d.maxAbs)
    maxRel = Math.max(maxRel, d.maxRel)
  }
  return { maxAbs, maxRel }
}

describe.each(GOLDEN_MODELS)('golden GRPO / SFT: %s', (name) => {
  for (const float of ['float64', 'float32'] as const) {
    it(`every case: loss, metrics, every gradient (${float})`, async () => {
      const gd = await loadGolden(name)
      const { config, params, batch, expected } = gd
      const B = batch.input_ids.length
      const T = batch.input_ids[0].length
      const tokens = batch.completion_mask.flat().reduce((a, b) => a + b, 0)
      const base = {
        ...paramFeeds(config, params, float),
        input_ids: idsTensor(batch.input_ids),
        completion_mask: rowsTensor(batch.completion_mask, float),
        advantages: tensor(float, float === 'float64' ? Float64Array.from(batch.advantages) : Float32Array.from(batch.advantages), [B]),
        old_logprobs: rowsTensor(batch.old_logprobs, float),
        temperature: scalarTensor(batch.temperature, float),
      }
      for (const c of batch.cases) {
        const opts = { lossType: c.loss_type, beta: c.beta, epsilon: c.epsilon, epsilonHigh: c.epsilon_high, delta: c.delta ?? undefined, maxCompletionLength: c.max_completion_length, float, klMetric: true }
        const feeds: Record<string, ort.Tensor> = { ...base, loss_normalizer: scalarTensor(lossNormalizer(c.loss_type, [{ rows: B, tokens }]), float) }
        feeds.ref_logprobs = rowsTensor(batch.ref_logprobs, float) // klMetric: the reference reports KL at β = 0 too
        const out = await runGraph(encodeModel(buildGrpoGraph(config, B, T, opts)), feeds)
        for (const k of ['loss', 'kl', 'clip_ratio.low_mean', 'clip_ratio.high_mean', 'clip_ratio.region_mean']) {
          const got = Number(out[k].data[0])
          const want = Number(expected[`${c.name}.${k}`].data[0])
          expect(Math.abs(got - want), `${c.name}.${k}: ${got} vs ${want}`).toBeLessThan(TOL[float].value)
        }
        const d = compareGrads(gd, out, c.name, TOL[float].grad)
        console.log(`${name} ${float} ${c.name}: loss ${Number(out.loss.data[0]).toFixed(6)} (ref ${Number(expected[`${c.name}.loss`].data[0]).toFixed(6)}), grads max abs ${d.maxAbs.toExponential(2)} max rel ${d.maxRel.toExponential(2)}`)
      }
      // the clip metrics are non-trivial in the fixture (clipping fires), so they really were compared
      expect(batch.cases.some((c) => Number(expected[`${c.name}.clip_ratio.region_mean`].data[0]) > 0)).toBe(true)
    })

    it(`SFT cross-entropy: loss and every gradient (${float})`, async () => {
      const gd = await loadGolden(name)
      const { config, params, batch, expected } = gd
      const B = batch.input_ids.length
      const T = batch.input_ids[0].length
      const tokens = batch.completion_mask.flat().reduce((a, b) => a + b, 0)
      const out = await runGraph(encodeModel(buildSftGraph(config, B, T, { float })), {
        ...paramFeeds(config, params, float),
        input_ids: idsTensor(batch.input_ids),
        completion_mask: rowsTensor(batch.completion_mask, float),
        loss_normalizer: scalarTensor(lossNormalizer('sft', [{ rows: B, tokens }]), float),
      })
      expect(Math.abs(Number(out.loss.data[0]) - Number(expected['sft.loss'].data[0]))).toBeLessThan(TOL[float].value)
      const d = compareGrads(gd, out, 'sft', TOL[float].grad)
      console.log(`${name} ${float} sft: grads max abs ${d.maxAbs.toExponential(2)} max rel ${d.maxRel.toExponential(2)}`)
    })
  }
})
