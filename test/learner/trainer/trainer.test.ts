/**
 * Trainer pitfall tests (shared/notes/grpo-pitfalls.md) on a tiny model with real onnxruntime:
 *   - gradient accumulation: one step on a batch of 8 equals 4 accumulated micro-steps of 2 (params to 1e-6),
 *     for grpo / dr_grpo / dapo with β > 0, and for SFT;
 *   - checkpoints: after N steps the saved weights differ from the initial ones and equal the live ones; a
 *     resumed trainer continues identically (same losses, same weights);
 *   - shuffle invariance: permuting groups (with their advantages) changes neither the update nor the loss;
 *   - sampler ↔ learner log-prob parity (ratio 1 on fresh data), with temperature and top-k truncation;
 *   - updates descend: SFT loss falls, GRPO moves each completion's log-prob in the sign of its advantage;
 *   - optimizer options reach the update (decoupled decay on matrices only; lr schedule); the AdamW graph
 *     (device path) and the JS loop agree;
 *   - bad batches are refused with a RangeError and change nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { batchAdvantages } from '../../../common/advantages.js'
import { paramSpecs } from '../../../learner/config.js'
import { encodeModel } from '../../../learner/graph/index.js'
import { readSafetensors } from '../../../learner/io/index.js'
import { buildLogitsGraph } from '../../../learner/model/index.js'
import { Runtime } from '../../../learner/runtime/index.js'
import { createRng, sampleBatch } from '../../../learner/sample/index.js'
import { idsTensor, paramFeeds, Trainer, type GrpoBatch, type TrainConfig } from '../../../learner/trainer/index.js'
import { randomBatch, TINY, tinyParams } from '../model/helpers.js'

const cfg = TINY['qwen2-tied']
const BUCKETS = { rows: [1, 2, 4, 8], seq: [8, 16] }
const base: Partial<TrainConfig> = {
  lr: 1e-2, weightDecay: 0.1, maxGradNorm: 0.5, temperature: 0.8, beta: 0.05, epsilon: 0.2, epsilonHigh: 0.28,
  delta: 1.5, maxCompletionLength: 9, buckets: BUCKETS, scoreQuantum: 4, threads: 1,
  adamEps: 1e-4, // gradients below float32 rounding noise cannot flip an update's sign between the two runs
}
const trainers: Trainer[] = []
const make = (t: Partial<TrainConfig>, params = tinyParams(cfg)) => {
  const tr = new Trainer(cfg, params, { ...base, ...t })
  trainers.push(tr)
  return tr
}
afterAll(async () => { await Promise.all(trainers.map((t) => t.close())) })

/** 8 rows of different lengths (ragged: the trainer pads), old log-probs perturbed around the current ones. */
async function grpoBatch(seed = 3): Promise<GrpoBatch> {
  const rb = randomBatch(cfg, 8, 9, seed)
  const rng = createRng(seed + 100)
  const inputIds = rb.ids.map((r, b) => r.slice(0, 9 - (b % 3)))
  const completionMask = rb.mask.map((r, b) => r.slice(0, 9 - (b % 3)))
  const probe = make({})
  const { logprobs } = await probe.logprobs({ inputIds, completionMask })
  const oldLogprobs = logprobs.map((r, b) => r.map((x, t) => x + (completionMask[b][t] ? 0.4 * (2 * rng.next() - 1) : 0)))
  return { inputIds, completionMask, advantages: rb.advantages, oldLogprobs }
}

const maxDiff = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
  let d = 0
  for (const [k, x] of a) {
    const y = b.get(k)!
    for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]))
  }
  return d
}

describe('Trainer', () => {
  for (const lossType of ['grpo', 'dr_grpo', 'dapo'] as const) {
    it(`${lossType}: one step on 8 rows equals 4 accumulated micro-steps of 2`, async () => {
      const batch = await grpoBatch()
      const whole = make({ lossType, microBatchSize: 8 })
      const accum = make({ lossType, microBatchSize: 2 })
      const init = tinyParams(cfg)
      // a reference other than the initial weights, so k3 (and its gradient) is non-zero at the first step
      for (const t of [whole, accum]) t.setReference(tinyParams(cfg, 8))
      const a = await whole.step(batch)
      const b = await accum.step(batch)
      const d = maxDiff(whole.params, accum.params)
      console.log(`${lossType}: loss ${a.loss.toFixed(6)} vs ${b.loss.toFixed(6)}, grad_norm ${a.grad_norm.toFixed(5)} vs ${b.grad_norm.toFixed(5)}, clip region ${a['clip_ratio/region_mean'].toFixed(3)}, max param diff ${d.toExponential(2)} (moved ${maxDiff(init, whole.params).toExponential(2)})`)
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6)
      expect(Math.abs(a.grad_norm - b.grad_norm)).toBeLessThan(1e-6 * Math.max(1, a.grad_norm))
      expect(a.kl).toBeGreaterThan(0) // β > 0: reference log-probs computed from the trainer's reference weights
      expect(Math.abs(a.kl! - b.kl!)).toBeLessThan(1e-6)
      expect(a['clip_ratio/region_mean']).toBeGreaterThan(0)
      expect(maxDiff(init, whole.params)).toBeGreaterThan(1e-3) // the update really moved the weights
      expect(d).toBeLessThan(1e-6)
    })
  }

  // the TRL 1.9 objectives: accumulation equals one big batch for each (the entropy quantile and the IS weights
  // are taken over the whole update / batch, not per micro-batch)
  const objectives: [string, Partial<TrainConfig>, boolean][] = [
    ['cispo', { lossType: 'cispo', epsilonHigh: 1.1 }, false],
    ['GSPO (sequence level)', { lossType: 'grpo', importanceSamplingLevel: 'sequence', epsilon: 0.02, epsilonHigh: 0.03 }, false],
    ['off-policy mask vs the sampler', { lossType: 'dapo', offPolicyMaskThreshold: 0, vllmImportanceSamplingCorrection: false }, true],
    ['top_entropy_quantile 0.3', { lossType: 'grpo', topEntropyQuantile: 0.3 }, false],
    ['IS correction token_truncate', { lossType: 'dapo', vllmImportanceSamplingMode: 'token_truncate', vllmImportanceSamplingCap: 1.1 }, true],
    ['IS correction sequence_mask', { lossType: 'grpo', vllmImportanceSamplingMode: 'sequence_mask', vllmImportanceSamplingCap: 1.2 }, true],
  ]
  for (const [label, o, sampler] of objectives) {
    it(`${label}: one step on 8 rows equals 4 accumulated micro-steps of 2`, async () => {
      const batch = await grpoBatch(5)
      const rng = createRng(55)
      if (sampler) batch.samplingLogprobs = batch.oldLogprobs!.map((r, b) => r.map((x, t) => x + (batch.completionMask[b][t] ? 0.2 * (2 * rng.next() - 1) : 0)))
      const whole = make({ ...o, microBatchSize: 8 })
      const accum = make({ ...o, microBatchSize: 2 })
      for (const t of [whole, accum]) t.setReference(tinyParams(cfg, 8))
      const init = tinyParams(cfg)
      const a = await whole.step(batch)
      const b = await accum.step(batch)
      const d = maxDiff(whole.params, accum.params)
      console.log(`${label}: loss ${a.loss.toFixed(6)} vs ${b.loss.toFixed(6)}, max param diff ${d.toExponential(2)}, cispo clip ${a.cispo_clip_ratio.toFixed(3)}, clip region ${a['clip_ratio/region_mean'].toFixed(3)}, off-policy masked ${a['off_policy_mask/masked_fraction'].toFixed(3)}, entropy kept ${a['entropy_mask/kept_fraction'].toFixed(3)}, IS ratio ${a['sampling/importance_sampling_ratio/min']?.toFixed(3)}…${a['sampling/importance_sampling_ratio/max']?.toFixed(3)}`)
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6)
      expect(maxDiff(init, whole.params)).toBeGreaterThan(1e-3)
      expect(d).toBeLessThan(1e-6)
      for (const k of ['cispo_clip_ratio', 'off_policy_mask/masked_fraction', 'entropy_mask/kept_fraction', 'sampling/importance_sampling_ratio/mean'] as const)
        expect(Math.abs((a[k] ?? 0) - (b[k] ?? 0)), k).toBeLessThan(1e-6)
      // each option really acted in this batch
      if (o.lossType === 'cispo') expect(a.cispo_clip_ratio).toBeGreaterThan(0)
      if (o.importanceSamplingLevel) expect(a['clip_ratio/region_mean']).toBeGreaterThan(0)
      if (o.offPolicyMaskThreshold !== undefined) expect(a['off_policy_mask/masked_fraction']).toBeGreaterThan(0)
      if (o.topEntropyQuantile) expect(a['entropy_mask/kept_fraction']).toBeGreaterThan(0.2)
      if (o.topEntropyQuantile) expect(a['entropy_mask/kept_fraction']).toBeLessThan(0.5)
      if (sampler && o.vllmImportanceSamplingCorrection !== false) {
        expect(a['sampling/sampling_logp_difference/max']).toBeGreaterThan(0.1)
        expect(a['sampling/importance_sampling_ratio/max']).toBeLessThanOrEqual(o.vllmImportanceSamplingCap!)
      }
    })
  }

  it('sampler correction: without old log-probs the learner scores them first; weights are π_old/π_sampler', async () => {
    const batch = await grpoBatch(23)
    const probe = make({})
    const { logprobs } = await probe.logprobs(batch)
    // a sampler that agrees with the learner exactly: every IS weight is 1, the update equals the uncorrected one
    const o: Partial<TrainConfig> = { lossType: 'dapo', vllmImportanceSamplingMode: 'token_mask', vllmImportanceSamplingCap: 1.5 }
    const a = make(o)
    const b = make(o)
    const ma = await a.step({ ...batch, oldLogprobs: undefined, samplingLogprobs: logprobs })
    await b.step({ ...batch, oldLogprobs: undefined })
    expect(ma['sampling/sampling_logp_difference/max']).toBeLessThan(1e-6)
    expect(Math.abs(ma['sampling/importance_sampling_ratio/min']! - 1)).toBeLessThan(1e-5)
    expect(maxDiff(a.params, b.params)).toBeLessThan(1e-6)
  })

  it('without given old log-probs, several updates per step score against the policy before the first update', async () => {
    const batch = await grpoBatch(17)
    const cfgTwoUpdates = { lossType: 'dapo' as const, beta: 0, microBatchSize: 4, gradientAccumulationSteps: 1 } // 2 updates per step
    const implicit = make(cfgTwoUpdates)
    const explicit = make(cfgTwoUpdates)
    const { logprobs } = await explicit.logprobs(batch)
    const a = await implicit.step({ ...batch, oldLogprobs: undefined })
    const b = await explicit.step({ ...batch, oldLogprobs: logprobs })
    expect(a.updates).toBe(2)
    expect(a).not.toHaveProperty('kl') // β 0: no reference log-probs, so no KL is computed (not a 0)
    expect(a['clip_ratio/region_mean']).toBeGreaterThan(0) // the second update sees moved weights vs θ0
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6)
    expect(maxDiff(implicit.params, explicit.params)).toBeLessThan(1e-6)
  })

  it('updates go downhill: SFT loss falls; GRPO raises log-probs of A > 0 completions and lowers A < 0 ones', async () => {
    const batch = await grpoBatch(19)
    const sft = make({ lr: 3e-3, beta: 0 })
    const first = await sft.sftStep(batch)
    let last = first
    for (let i = 0; i < 15; i++) last = await sft.sftStep(batch)
    expect(last.loss).toBeLessThan(first.loss * 0.8) // 2.87 → 2.02 measured

    const t = make({ lr: 3e-3, beta: 0, lossType: 'grpo' })
    const seqLogp = async () => (await t.logprobs(batch)).logprobs.map((r, b) => r.reduce((s, x, i) => s + x * batch.completionMask[b][i], 0))
    const before = await seqLogp()
    for (let i = 0; i < 3; i++) await t.step({ ...batch, oldLogprobs: undefined })
    const after = await seqLogp()
    batch.advantages.forEach((A, b) => expect(Math.sign(after[b] - before[b]), `row ${b}, A = ${A}`).toBe(Math.sign(A)))
  })

  it('μ = 2 without given old log-probs: the first pass\'s log-probs (θ0) serve as old ones in the second', async () => {
    const batch = await grpoBatch(21)
    const o = { lossType: 'grpo' as const, beta: 0, microBatchSize: 4, numIterations: 2 }
    const implicit = make(o)
    const explicit = make(o)
    const { logprobs } = await explicit.logprobs(batch)
    const a = await implicit.step({ ...batch, oldLogprobs: undefined })
    const b = await explicit.step({ ...batch, oldLogprobs: logprobs })
    expect(a.updates).toBe(2)
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6)
    expect(Math.abs(a['clip_ratio/region_mean'] - b['clip_ratio/region_mean'])).toBeLessThan(1e-9)
    expect(maxDiff(implicit.params, explicit.params)).toBeLessThan(1e-6)
  })

  it('SFT: one step on 8 rows equals 4 accumulated micro-steps of 2', async () => {
    const { inputIds, completionMask } = await grpoBatch(5)
    const whole = make({ microBatchSize: 8 })
    const accum = make({ microBatchSize: 2 })
    const a = await whole.sftStep({ inputIds, completionMask })
    const b = await accum.sftStep({ inputIds, completionMask })
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-6)
    expect(maxDiff(whole.params, accum.params)).toBeLessThan(1e-6)
  })

  it('checkpoint: saved weights differ from init and equal the live ones; resume continues identically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-trainer-'))
    try {
      const batch = await grpoBatch(7)
      const init = tinyParams(cfg)
      const t = make({ lossType: 'dapo', microBatchSize: 4, numIterations: 2, schedule: 'cosine', warmupSteps: 1, totalSteps: 10 })
      for (let i = 0; i < 3; i++) await t.step({ ...batch, oldLogprobs: undefined })
      await t.save(dir)
      const saved = readSafetensors(await readFile(join(dir, 'model.safetensors')))
      let fromInit = 0
      let fromLive = 0
      for (const s of paramSpecs(cfg)) {
        const x = saved[s.name].data as Float32Array
        const live = t.params.get(s.name)!
        const ini = init.get(s.name)!
        for (let i = 0; i < x.length; i++) {
          fromInit = Math.max(fromInit, Math.abs(x[i] - ini[i]))
          fromLive = Math.max(fromLive, Math.abs(x[i] - live[i]))
        }
      }
      expect(fromInit).toBeGreaterThan(1e-3)
      expect(fromLive).toBe(0)
      const resumed = await Trainer.fromCheckpoint(dir)
      trainers.push(resumed)
      const loaded = make({ lossType: 'dapo', microBatchSize: 4, numIterations: 2, schedule: 'cosine', warmupSteps: 1, totalSteps: 10 }, tinyParams(cfg, 99))
      await loaded.load(dir) // into an existing trainer's live buffers
      expect(resumed.updates).toBe(t.updates)
      expect(loaded.updates).toBe(t.updates)
      expect(t.updates).toBe(6) // 3 steps × μ = 2
      for (let i = 0; i < 2; i++) {
        const a = await t.step({ ...batch, oldLogprobs: undefined })
        for (const r of [resumed, loaded]) {
          const b = await r.step({ ...batch, oldLogprobs: undefined })
          expect(b.loss).toBeCloseTo(a.loss, 6)
          expect(b.learning_rate).toBe(a.learning_rate)
        }
      }
      expect(maxDiff(t.params, resumed.params)).toBeLessThan(1e-6)
      expect(maxDiff(t.params, loaded.params)).toBeLessThan(1e-6)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('shuffle invariance: permuting groups permutes advantages and changes nothing else', async () => {
    const batch = await grpoBatch(9)
    const rewards = [[1, 0, 0, 1], [0, 1, 1, 1]] // two groups of G = 4
    const adv = batchAdvantages(rewards).advantages
    const perm = [4, 5, 6, 7, 0, 1, 2, 3] // swap the groups
    const swapped = batchAdvantages([rewards[1], rewards[0]]).advantages.flat()
    const a1 = adv.flat()
    perm.forEach((p, i) => expect(swapped[i]).toBeCloseTo(a1[p], 12))
    const permute = <T>(xs: T[]) => perm.map((p) => xs[p])
    const b1: GrpoBatch = { ...batch, advantages: a1 }
    const b2: GrpoBatch = { inputIds: permute(batch.inputIds), completionMask: permute(batch.completionMask), oldLogprobs: permute(batch.oldLogprobs!), advantages: swapped }
    const x = make({ lossType: 'grpo', microBatchSize: 8 })
    const y = make({ lossType: 'grpo', microBatchSize: 8 })
    const m1 = await x.step(b1)
    const m2 = await y.step(b2)
    expect(Math.abs(m1.loss - m2.loss)).toBeLessThan(1e-6)
    expect(maxDiff(x.params, y.params)).toBeLessThan(1e-6)
  })

  it("sampler ↔ learner parity: learner log-probs of sampled tokens equal the sampler's (1e-5)", async () => {
    const B = 4
    const prompt = 3
    const T = 12
    const params = tinyParams(cfg, 21)
    const rt = new Runtime({ threads: 1 })
    const rng = createRng(5)
    const rows = Array.from({ length: B }, (_, b) => [1 + b, 2 + b, 3])
    const sampled: number[][] = rows.map(() => [])
    for (let t = prompt; t < T; t++) {
      const s = await rt.session(`logits/${t}`, () => encodeModel(buildLogitsGraph(cfg, B, t)))
      const logits = (await s.run({ ...paramFeeds(cfg, params), input_ids: idsTensor(rows) })).logits.data as Float32Array
      const V = cfg.vocab_size
      const last = new Float32Array(B * V)
      for (let b = 0; b < B; b++) last.set(logits.subarray((b * t + t - 1) * V, (b * t + t) * V), b * V)
      const { tokens, logprobs } = sampleBatch(last, B, V, { temperature: 0.8, topK: 4, topP: 0.9 }, rng)
      rows.forEach((r, b) => { r.push(tokens[b]); sampled[b].push(logprobs[b]) })
    }
    await rt.close()
    const t = make({ temperature: 0.8 }, params)
    const completionMask = rows.map((r) => r.map((_, i) => (i >= prompt ? 1 : 0)))
    const { logprobs } = await t.logprobs({ inputIds: rows, completionMask })
    let worst = 0
    rows.forEach((_, b) => sampled[b].forEach((lp, k) => { worst = Math.max(worst, Math.abs(lp - logprobs[b][prompt + k])) }))
    console.log(`sampler vs learner log-probs: max abs diff ${worst.toExponential(2)}`)
    expect(worst).toBeLessThan(1e-5)
    // fed as old log-probs, the ratio is 1: nothing is clipped
    const m = await make({ temperature: 0.8, beta: 0 }, tinyParams(cfg, 21)).step({ inputIds: rows, completionMask, advantages: [1, -1, 0.5, -0.5], oldLogprobs: rows.map((r, b) => r.map((_, i) => (i >= prompt ? sampled[b][i - prompt] : 0))) })
    expect(m['clip_ratio/region_mean']).toBe(0)
  })

  it('optimizer options reach the update: decoupled decay on matrices only, warmup schedule', async () => {
    const batch = await grpoBatch(11)
    const init = tinyParams(cfg)
    const t = make({ lr: 0.1, weightDecay: 0.5, warmupSteps: 4, beta: 0 })
    const m = await t.step({ ...batch, advantages: batch.advantages.map(() => 0) }) // zero advantages: zero gradient
    expect(m.grad_norm).toBe(0)
    expect(m.learning_rate).toBeCloseTo(0.025, 12) // warmup: lr · 1/4
    for (const s of paramSpecs(cfg)) {
      const keep = s.decay ? 1 - 0.025 * 0.5 : 1
      const x = t.params.get(s.name)!
      const x0 = init.get(s.name)!
      for (let i = 0; i < x.length; i += 7) expect(x[i]).toBeCloseTo(Math.fround(x0[i] * keep), 6)
    }
  })

  it('a cosine over totalSeconds follows the clock from the first update, and the clock survives save/load', async () => {
    const batch = await grpoBatch(12)
    const t = make({ lr: 0.1, schedule: 'cosine', totalSeconds: 0.2, minLrRatio: 0.1, beta: 0 })
    const first = await t.step({ ...batch, oldLogprobs: undefined })
    expect(first.learning_rate).toBeGreaterThan(0.09) // the clock starts at the first update: (near) the peak
    await new Promise((r) => setTimeout(r, 250))
    const later = await t.step({ ...batch, oldLogprobs: undefined })
    expect(later.learning_rate).toBeCloseTo(0.01, 12) // past totalSeconds: the floor, after 2 updates of a cosine
    const dir = await mkdtemp(join(tmpdir(), 'cohort-trainer-'))
    try {
      await t.save(dir)
      const resumed = await Trainer.fromCheckpoint(dir)
      trainers.push(resumed)
      expect(resumed.trainingSeconds).toBeGreaterThanOrEqual(0.25)
      expect((await resumed.step({ ...batch, oldLogprobs: undefined })).learning_rate).toBeCloseTo(0.01, 12) // not restarted at the peak
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("optimizer 'graph' (the device path's AdamW graph, here on cpu) applies the same updates as the JS loop", async () => {
    const batch = await grpoBatch(15)
    const js = make({ lossType: 'dapo', beta: 0, microBatchSize: 4, optimizer: 'js' })
    const gr = make({ lossType: 'dapo', beta: 0, microBatchSize: 4, optimizer: 'graph' })
    for (let i = 0; i < 3; i++) {
      const a = await js.step(batch)
      const b = await gr.step(batch)
      expect(Math.abs(a.grad_norm - b.grad_norm)).toBeLessThan(1e-5)
    }
    expect(gr.updates).toBe(3)
    expect(maxDiff(js.params, gr.params)).toBeLessThan(1e-6)
    let dm = 0
    js.optimizer.m.forEach((m, i) => m.forEach((x, j) => { dm = Math.max(dm, Math.abs(x - gr.optimizer.m[i][j]), Math.abs(js.optimizer.v[i][j] - gr.optimizer.v[i][j])) }))
    expect(dm).toBeLessThan(1e-6)
  })

  it('bad batches are refused with a clear RangeError and change nothing', async () => {
    const batch = await grpoBatch(13)
    const t = make({})
    const before = new Map([...t.params].map(([k, v]) => [k, v.slice()]))
    const bad: [Partial<GrpoBatch>, RegExp][] = [
      [{ advantages: [1] }, /advantages must be 8/],
      [{ inputIds: batch.inputIds.map((r) => r.map(() => 999)) }, /outside \[0, 11\)/],
      [{ completionMask: batch.completionMask.map((r) => r.map(() => 1)) }, /completionMask\[0\]\[0\] must be 0/],
      [{ oldLogprobs: batch.oldLogprobs!.map((r) => r.slice(1)) }, /oldLogprobs\[0\] must have/],
      [{ inputIds: [] }, /non-empty/],
    ]
    for (const [patch, msg] of bad) await expect(t.step({ ...batch, ...patch })).rejects.toThrow(msg)
    expect(maxDiff(before, t.params)).toBe(0)
    expect(t.updates).toBe(0)
  })
})
