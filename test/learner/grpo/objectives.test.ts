/**
 * The TRL 1.9 objectives beyond the base loss types — GSPO (sequence-level ratio), CISPO, the off-policy sequence
 * mask, top_entropy_quantile and the sampler-mismatch IS correction in its four modes — vs the independent
 * PyTorch reference (tools/torch/objectives.py → test/fixtures/golden/<model>/objectives.*): loss, metrics and
 * EVERY parameter gradient, in float64 (tight) and float32 (the training path). The host-side parts (entropy
 * mask, IS weights and the sampling/* metrics, learner/grpo/correction.ts) are computed here by the TS code from
 * the batch and compared too. Max differences are printed.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { paramSpecs } from '../../../learner/config.js'
import { encodeModel } from '../../../learner/graph/index.js'
import { buildGrpoGraph, highEntropyMask, lossNormalizer, samplerWeights, type GrpoGraphOptions, type LossType, type SamplingCorrectionMode } from '../../../learner/grpo/index.js'
import { readSafetensors } from '../../../learner/io/index.js'
import { tensor } from '../../../learner/runtime/index.js'
import { idsTensor, paramFeeds, rowsTensor, scalarTensor } from '../../../learner/trainer/feeds.js'
import { diffStats, GOLDEN_DIR, loadGolden } from '../../fixtures/golden/index.js'
import { runOnce } from '../model/helpers.js'

interface ObjectiveCase {
  name: string
  loss_type: LossType
  importance_sampling_level: 'token' | 'sequence'
  advantages: number[] | null
  beta: number
  epsilon: number
  epsilon_high: number
  delta: number | null
  off_policy_mask_threshold: number | null
  top_entropy_quantile: number
  sampling: boolean
  is_mode: SamplingCorrectionMode | null
  is_cap: number | null
}

const TOL = { float64: { value: 1e-10, grad: 1e-9 }, float32: { value: 2e-5, grad: 5e-5 } }
const METRICS = ['loss', 'kl', 'clip_ratio.low_mean', 'clip_ratio.high_mean', 'clip_ratio.region_mean', 'cispo_clip_ratio', 'off_policy_masked']

/** the fixtures tools/torch/objectives.py writes (its MODELS): the objectives act on log-probs, two architectures cover them */
const OBJECTIVE_MODELS = ['llama', 'qwen2-tied'] as const

describe.each(OBJECTIVE_MODELS)('golden TRL objectives: %s', (name) => {
  for (const float of ['float64', 'float32'] as const) {
    it(`GSPO, CISPO, off-policy mask, entropy mask, IS correction: loss, metrics, every gradient (${float})`, async () => {
      const { config, params, batch, expected: base } = await loadGolden(name)
      const dir = join(GOLDEN_DIR, name)
      const fx = JSON.parse(await readFile(join(dir, 'objectives.json'), 'utf8')) as { sampling_logprobs: number[][]; cases: ObjectiveCase[] }
      const expected = readSafetensors(await readFile(join(dir, 'objectives.safetensors')))
      const B = batch.input_ids.length
      const T = batch.input_ids[0].length
      const mask = batch.completion_mask
      const tokens = mask.flat().reduce((a, b) => a + b, 0)
      const entropy = Array.from({ length: B }, (_, b) => Array.from((base.entropy.data as Float64Array).subarray(b * T, (b + 1) * T)))
      const want = (k: string) => Number(expected[k].data[0])
      let worstGrad = 0
      for (const c of fx.cases) {
        // host side: entropy mask × IS weight, as the Trainer computes it
        let weight: number[][] | undefined
        if (c.top_entropy_quantile < 1) weight = highEntropyMask(entropy, mask, c.top_entropy_quantile)
        if (c.is_mode) {
          const s = samplerWeights(batch.old_logprobs, fx.sampling_logprobs, mask, { mode: c.is_mode, cap: c.is_cap! })
          for (const [k, v] of Object.entries(s.metrics)) expect(Math.abs(v - want(`${c.name}.${k}`)), `${c.name} ${k}`).toBeLessThan(1e-12)
          weight = weight ? weight.map((r, b) => r.map((w, t) => w * s.weights[b][t])) : s.weights
        }
        if (weight) expect(diffStats(weight.flat(), expected[`${c.name}.token_weight`].data as Float64Array).maxAbs, `${c.name} token_weight`).toBeLessThan(1e-12)
        const opts: GrpoGraphOptions = {
          lossType: c.loss_type, beta: c.beta, epsilon: c.epsilon, epsilonHigh: c.epsilon_high, delta: c.delta ?? undefined,
          importanceSamplingLevel: c.importance_sampling_level, offPolicyMaskThreshold: c.off_policy_mask_threshold ?? undefined,
          samplingLogprobs: c.sampling && c.off_policy_mask_threshold !== null, tokenWeights: !!weight, klMetric: true, float,
        }
        const adv = c.advantages ?? batch.advantages
        const feeds: Record<string, ort.Tensor> = {
          ...paramFeeds(config, params, float),
          input_ids: idsTensor(batch.input_ids),
          completion_mask: rowsTensor(mask, float),
          advantages: tensor(float, float === 'float64' ? Float64Array.from(adv) : Float32Array.from(adv), [B]),
          old_logprobs: rowsTensor(batch.old_logprobs, float),
          ref_logprobs: rowsTensor(batch.ref_logprobs, float),
          temperature: scalarTensor(batch.temperature, float),
          loss_normalizer: scalarTensor(lossNormalizer(c.loss_type, [{ rows: B, tokens }]), float),
        }
        if (opts.samplingLogprobs) feeds.sampling_logprobs = rowsTensor(fx.sampling_logprobs, float)
        if (weight) feeds.token_weight = rowsTensor(weight, float)
        const out = await runOnce(encodeModel(buildGrpoGraph(config, B, T, opts)), feeds)
        for (const k of METRICS) {
          const got = Number(out[k].data[0])
          expect(Math.abs(got - want(`${c.name}.${k}`)), `${c.name}.${k}: ${got} vs ${want(`${c.name}.${k}`)}`).toBeLessThan(TOL[float].value)
        }
        let maxAbs = 0
        for (const s of paramSpecs(config)) {
          const d = diffStats(out[`grad.${s.name}`].data as ArrayLike<number>, expected[`${c.name}.grad.${s.name}`].data as Float64Array)
          expect(d.maxAbs, `${c.name} grad ${s.name}`).toBeLessThan(TOL[float].grad)
          maxAbs = Math.max(maxAbs, d.maxAbs)
        }
        worstGrad = Math.max(worstGrad, maxAbs)
        console.log(`${name} ${float} ${c.name}: loss ${Number(out.loss.data[0]).toFixed(6)} (ref ${want(`${c.name}.loss`).toFixed(6)}), grads max abs ${maxAbs.toExponential(2)}`)
      }
      console.log(`${name} ${float}: worst gradient difference over ${fx.cases.length} cases ${worstGrad.toExponential(2)}`)
    })
  }
})
