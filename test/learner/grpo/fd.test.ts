/**
 * The full GRPO loss (β > 0 with k3, δ cap, clip-higher) for every loss type, differentiated by the graph's
 * reverse-mode autodiff, vs float64 central finite differences over EVERY parameter element of a tiny model
 * (untied Llama with biases; tied Qwen2). Plus: the SFT loss by finite differences, and old = current
 * (oldFromCurrent) equals feeding the current log-probs as old_logprobs.
 */
import type * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { paramSpecs } from '../../../learner/config.js'
import { encodeModel } from '../../../learner/graph/index.js'
import { buildGrpoGraph, buildSftGraph, LOSS_TYPES, lossNormalizer, type GrpoGraphOptions } from '../../../learner/grpo/index.js'
import { buildLogprobGraph } from '../../../learner/model/index.js'
import { idsTensor, paramFeeds, rowsTensor, scalarTensor } from '../../../learner/trainer/feeds.js'
import { tensor } from '../../../learner/runtime/index.js'
import { centralDifferenceError } from '../graph/fd.js'
import { perturb, randomBatch, runOnce, session64, TINY, tinyParams } from '../model/helpers.js'

const B = 3
const T = 7
const TEMP = 0.8

/** max over params of max|analytic − fd| / max(1, max|fd|), perturbing every element by ±h. */
async function fdError(bytes: Uint8Array, cfg: (typeof TINY)[string], params: Map<string, Float32Array>, rest: Record<string, ort.Tensor>, h = 1e-6) {
  const s = await session64(bytes)
  const p64 = new Map([...params].map(([k, v]) => [k, Float64Array.from(v)]))
  const feeds = () => ({ ...rest, ...Object.fromEntries(paramSpecs(cfg).map((sp) => [sp.name, tensor('float64', p64.get(sp.name)!, sp.shape)])) })
  const full = await s.run(feeds())
  const lossAt = async () => Number((await s.run(feeds(), ['loss'])).loss.data[0])
  let worst = 0
  let n = 0
  for (const sp of paramSpecs(cfg)) {
    const x = p64.get(sp.name)!
    worst = Math.max(worst, await centralDifferenceError(x, full[`grad.${sp.name}`].data as Float64Array, lossAt, x.keys(), h))
    n += x.length
  }
  await s.release()
  return { worst, n, loss: Number(full.loss.data[0]), full }
}

describe.each(Object.keys(TINY))('GRPO loss gradients vs float64 finite differences: %s', (name) => {
  const cfg = TINY[name]
  const params = tinyParams(cfg)
  const batch = randomBatch(cfg, B, T)
  const tokens = batch.mask.flat().reduce((a, b) => a + b, 0)

  async function currentLogprobs() {
    const out = await runOnce(encodeModel(buildLogprobGraph(cfg, B, T, { float: 'float64' })), { ...paramFeeds(cfg, params, 'float64'), input_ids: idsTensor(batch.ids), temperature: scalarTensor(TEMP, 'float64') })
    return out.logprobs.data as Float64Array
  }

  const common = (old?: number[][], ref?: number[][], lossType: GrpoGraphOptions['lossType'] = 'grpo') => {
    const f: Record<string, ort.Tensor> = {
      input_ids: idsTensor(batch.ids),
      completion_mask: rowsTensor(batch.mask, 'float64'),
      advantages: tensor('float64', Float64Array.from(batch.advantages), [B]),
      temperature: scalarTensor(TEMP, 'float64'),
      loss_normalizer: scalarTensor(lossNormalizer(lossType, [{ rows: B, tokens }]), 'float64'),
    }
    if (old) f.old_logprobs = rowsTensor(old, 'float64')
    if (ref) f.ref_logprobs = rowsTensor(ref, 'float64')
    return f
  }

  // cispo is left out: its stop-gradient weight makes finite differences disagree by design (the golden test
  // checks it against PyTorch autograd, whose own finite differences hold the weight fixed)
  for (const lossType of LOSS_TYPES.filter((l) => l !== 'cispo')) {
    it(`${lossType}, β 0.1, ε 0.2 / ε_high 0.28, δ 1.25`, async () => {
      const lp = await currentLogprobs()
      const old = perturb(lp, batch.mask, 0.35, 11)
      const ref = perturb(lp, batch.mask, 0.5, 12)
      const opts: GrpoGraphOptions = { lossType, beta: 0.1, epsilon: 0.2, epsilonHigh: 0.28, delta: 1.25, maxCompletionLength: T, float: 'float64' }
      const r = await fdError(encodeModel(buildGrpoGraph(cfg, B, T, opts)), cfg, params, common(old, ref, lossType))
      const clip = Number(r.full['clip_ratio.region_mean'].data[0])
      console.log(`${name} ${lossType}: loss ${r.loss.toFixed(6)}, ${r.n} elements, clip region ${clip.toFixed(3)}, max FD error ${r.worst.toExponential(2)}`)
      expect(clip).toBeGreaterThan(0) // the clipped branch is really exercised
      expect(r.worst).toBeLessThan(1e-6)
    })
  }

  it('GSPO (sequence level) with the off-policy mask and fed token weights, β 0.1, δ 1.05', async () => {
    const lp = await currentLogprobs()
    const old = perturb(lp, batch.mask, 0.35, 11)
    const ref = perturb(lp, batch.mask, 0.5, 12)
    const sampling = perturb(lp, batch.mask, 0.35, 13)
    const weight = batch.mask.map((r, b) => r.map((m, t) => m * (0.5 + ((b * T + t) % 5) / 4)))
    const opts: GrpoGraphOptions = { lossType: 'grpo', importanceSamplingLevel: 'sequence', offPolicyMaskThreshold: 0, samplingLogprobs: true, tokenWeights: true, beta: 0.1, epsilon: 0.02, epsilonHigh: 0.03, delta: 1.05, float: 'float64' }
    const feeds = { ...common(old, ref), sampling_logprobs: rowsTensor(sampling, 'float64'), token_weight: rowsTensor(weight, 'float64') }
    const r = await fdError(encodeModel(buildGrpoGraph(cfg, B, T, opts)), cfg, params, feeds)
    console.log(`${name} gspo+opsm+weights: loss ${r.loss.toFixed(6)}, clip region ${Number(r.full['clip_ratio.region_mean'].data[0]).toFixed(3)}, masked ${Number(r.full.off_policy_masked.data[0]).toFixed(3)}, max FD error ${r.worst.toExponential(2)}`)
    expect(r.worst).toBeLessThan(1e-6)
  })

  it('SFT cross-entropy', async () => {
    const r = await fdError(encodeModel(buildSftGraph(cfg, B, T, { float: 'float64' })), cfg, params, {
      input_ids: idsTensor(batch.ids),
      completion_mask: rowsTensor(batch.mask, 'float64'),
      loss_normalizer: scalarTensor(tokens, 'float64'),
    })
    console.log(`${name} sft: max FD error ${r.worst.toExponential(2)}`)
    expect(r.worst).toBeLessThan(1e-6)
  })

  it('oldFromCurrent equals feeding the current log-probs as old (ratio 1)', async () => {
    const lp = await currentLogprobs()
    const cur = perturb(lp, batch.mask, 0, 1)
    const ref = perturb(lp, batch.mask, 0.5, 12)
    const base: GrpoGraphOptions = { lossType: 'dapo', beta: 0.05, epsilon: 0.2, float: 'float64' }
    const run = (o: GrpoGraphOptions, feeds: Record<string, ort.Tensor>) => runOnce(encodeModel(buildGrpoGraph(cfg, B, T, o)), { ...paramFeeds(cfg, params, 'float64'), ...feeds })
    const a = await run({ ...base, oldFromCurrent: true }, common(undefined, ref, 'dapo'))
    const b = await run(base, common(cur, ref, 'dapo'))
    expect(Number(a['clip_ratio.region_mean'].data[0])).toBe(0)
    for (const k of ['loss', ...paramSpecs(cfg).map((s) => `grad.${s.name}`)]) {
      const x = a[k].data as Float64Array
      const y = b[k].data as Float64Array
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(1e-12)
    }
  })
})
