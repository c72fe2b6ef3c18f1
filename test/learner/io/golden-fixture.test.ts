/**
 * The golden fixtures (tools/torch/reference.py) read with our safetensors/checkpoint code: names and shapes
 * against paramSpecs, coverage of the cases, and a float64 re-derivation in TS of everything that does not need
 * the model (log-probs and entropy from the reference logits; losses, KL and clip ratios from those log-probs),
 * which pins the shift-by-one, temperature and loss-aggregation conventions. The model helper compares values.
 */
import { describe, expect, it } from 'vitest'
import { paramSpecs } from '../../../learner/config.js'
import { diffStats, GOLDEN_MODELS, loadGolden, type GoldenBatch, type GoldenCase } from '../../fixtures/golden/index.js'

/** logprobs/entropy [B][T] from logits [B,T,V] (float64), position t scored by the t−1 distribution. */
function fromLogits(logits: Float64Array, ids: number[][], V: number, temp: number) {
  const lp = ids.map((r) => r.map(() => 0))
  const ent = ids.map((r) => r.map(() => 0))
  const T = ids[0].length
  ids.forEach((row, b) => {
    for (let t = 1; t < T; t++) {
      const z = Array.from(logits.subarray((b * T + t - 1) * V, (b * T + t) * V), (x) => x / temp)
      const m = Math.max(...z)
      const lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0))
      lp[b][t] = z[row[t]] - lse
      ent[b][t] = -z.reduce((s, x) => s + Math.exp(x - lse) * (x - lse), 0)
    }
  })
  return { lp, ent }
}

/** The case's loss, kl and clip ratios, written from the definitions in tools/torch/reference.py. */
function grpoMetrics(lp: number[][], batch: GoldenBatch, c: GoldenCase) {
  const m = batch.completion_mask
  const B = m.length
  let sum = 0
  let active = 0
  let seqMean = 0
  let kl = 0
  let low = 0
  let high = 0
  lp.forEach((row, b) => {
    const A = batch.advantages[b]
    let rowSum = 0
    let rowN = 0
    row.forEach((logp, t) => {
      if (!m[b][t]) return
      const d = batch.ref_logprobs[b][t] - logp
      const k3 = Math.exp(d) - d - 1
      let c1 = Math.exp(logp - batch.old_logprobs[b][t])
      const c2 = Math.min(Math.max(c1, 1 - c.epsilon), 1 + c.epsilon_high)
      if (c.delta !== null) c1 = Math.min(c1, c.delta)
      const ptl = -Math.min(c1 * A, c2 * A) + c.beta * k3
      rowSum += ptl
      rowN++
      kl += k3
      if (c1 < 1 - c.epsilon && A < 0) low++
      if (c1 > 1 + c.epsilon_high && A > 0) high++
    })
    sum += rowSum
    active += rowN
    seqMean += rowSum / Math.max(rowN, 1) / B
  })
  const loss = { grpo: seqMean, bnpo: sum / Math.max(active, 1), dr_grpo: sum / (B * c.max_completion_length), dapo: sum / active }[c.loss_type]
  return { loss, kl: kl / active, low: low / active, high: high / active, region: (low + high) / active }
}

describe.each(GOLDEN_MODELS)('golden fixture %s', (name) => {
  it('weights load through the checkpoint reader in paramSpecs order', async () => {
    const { config, params } = await loadGolden(name)
    const specs = paramSpecs(config)
    expect([...params.keys()]).toEqual(specs.map((s) => s.name))
    for (const s of specs) expect(params.get(s.name)!.length).toBe(s.shape.reduce((a, b) => a * b, 1))
    expect(params.has('lm_head.weight')).toBe(!config.tie_word_embeddings)
    expect(params.has('model.layers.1.self_attn.k_proj.bias')).toBe(name === 'qwen2-tied')
    expect(params.has('model.layers.1.self_attn.q_norm.weight')).toBe(name === 'qwen3')
    // what each family's config.json must have been read as (the transformers-5 layouts included)
    const seen = { type: config.model_type, theta: config.rope_theta, scaling: config.rope_scaling?.rope_type, Dh: config.head_dim, tied: config.tie_word_embeddings }
    expect(seen).toEqual({
      llama: { type: 'llama', theta: 10000, scaling: undefined, Dh: 4, tied: false },
      'qwen2-tied': { type: 'qwen2', theta: 1e6, scaling: undefined, Dh: 4, tied: true },
      qwen3: { type: 'qwen3', theta: 1e6, scaling: undefined, Dh: 8, tied: true },
      llama3: { type: 'llama', theta: 50000, scaling: 'llama3', Dh: 8, tied: false },
      'llama-linear': { type: 'llama', theta: 10000, scaling: 'linear', Dh: 4, tied: false },
      mistral: { type: 'mistral', theta: 100000, scaling: undefined, Dh: 6, tied: false },
    }[name])
  })

  it('expected.safetensors holds every tensor with the right shape (F64)', async () => {
    const { config, batch, expected } = await loadGolden(name)
    const B = batch.input_ids.length
    const T = batch.input_ids[0].length
    const V = config.vocab_size
    expect(expected.logits.shape).toEqual([B, T, V])
    expect(expected.logprobs.shape).toEqual([B, T])
    expect(expected.entropy.shape).toEqual([B, T])
    const specs = paramSpecs(config)
    for (const c of [...batch.cases.map((k) => k.name), 'sft']) {
      expect(expected[`${c}.loss`].shape).toEqual([1])
      for (const s of specs) expect(expected[`${c}.grad.${s.name}`]?.shape, `${c}.grad.${s.name}`).toEqual(s.shape)
    }
    for (const c of batch.cases) for (const k of ['kl', 'clip_ratio.low_mean', 'clip_ratio.high_mean', 'clip_ratio.region_mean'])
      expect(expected[`${c.name}.${k}`].shape).toEqual([1])
    expect(Object.values(expected).every((t) => t.dtype === 'F64')).toBe(true)
    // no stray entries: 3 + per case (5 + params) + sft (1 + params)
    expect(Object.keys(expected).length).toBe(3 + batch.cases.length * (5 + specs.length) + 1 + specs.length)
  })

  it('the batch covers every loss type, β = 0 and > 0, delta on/off, both clipping sides', async () => {
    const { batch, expected } = await loadGolden(name)
    const cs = batch.cases
    expect(new Set(cs.map((c) => c.loss_type))).toEqual(new Set(['grpo', 'bnpo', 'dr_grpo', 'dapo']))
    expect(cs.some((c) => c.beta === 0) && cs.some((c) => c.beta > 0)).toBe(true)
    expect(cs.some((c) => c.delta === null) && cs.some((c) => c.delta !== null)).toBe(true)
    expect(cs.some((c) => (expected[`${c.name}.clip_ratio.low_mean`].data as Float64Array)[0] > 0)).toBe(true)
    expect(cs.some((c) => (expected[`${c.name}.clip_ratio.high_mean`].data as Float64Array)[0] > 0)).toBe(true)
    batch.completion_mask.forEach((r) => expect(r[0]).toBe(0))
    expect(new Set(batch.completion_mask.map((r) => r.reduce((a, b) => a + b, 0))).size).toBeGreaterThan(1)
    expect(batch.advantages.some((a) => a < 0) && batch.advantages.some((a) => a > 0)).toBe(true)
  })

  it('log-probs and entropy follow from the logits (shift by one, temperature)', async () => {
    const { config, batch, expected } = await loadGolden(name)
    const { lp, ent } = fromLogits(expected.logits.data as Float64Array, batch.input_ids, config.vocab_size, batch.temperature)
    const d1 = diffStats(lp.flat(), expected.logprobs.data as Float64Array)
    const d2 = diffStats(ent.flat(), expected.entropy.data as Float64Array)
    expect(d1.maxAbs).toBeLessThan(1e-12)
    expect(d2.maxAbs).toBeLessThan(1e-12)
    // SFT: mean cross-entropy over completion tokens at temperature 1
    const ce = fromLogits(expected.logits.data as Float64Array, batch.input_ids, config.vocab_size, 1).lp
    const m = batch.completion_mask.flat()
    const sft = -ce.flat().reduce((s, x, i) => s + x * m[i], 0) / m.reduce((a, b) => a + b, 0)
    expect(sft).toBeCloseTo((expected['sft.loss'].data as Float64Array)[0], 12)
  })

  it('losses, KL and clip ratios follow from the log-probs by the documented definitions', async () => {
    const { batch, expected } = await loadGolden(name)
    const T = batch.input_ids[0].length
    const logp = expected.logprobs.data as Float64Array
    const lp = batch.input_ids.map((_, b) => Array.from(logp.subarray(b * T, (b + 1) * T)))
    for (const c of batch.cases) {
      const got = grpoMetrics(lp, batch, c)
      const want = (k: string) => (expected[`${c.name}.${k}`].data as Float64Array)[0]
      expect(got.loss, c.name).toBeCloseTo(want('loss'), 12)
      expect(got.kl).toBeCloseTo(want('kl'), 12)
      expect(got.low).toBe(want('clip_ratio.low_mean'))
      expect(got.high).toBe(want('clip_ratio.high_mean'))
      expect(got.region).toBeCloseTo(want('clip_ratio.region_mean'), 15)
    }
  })
})
