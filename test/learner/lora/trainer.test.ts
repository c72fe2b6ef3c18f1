/**
 * The Trainer with LoRA: only adapters change and only they hold AdamW moments; B = 0 at start, so the first
 * policy is the base model; the KL reference is the frozen base itself (no copy); policyWeights() merges;
 * save / fromCheckpoint / load cover the adapters and resume identically.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { countParams } from '../../../learner/config.js'
import { resolveLora } from '../../../learner/lora/index.js'
import { Trainer, type GrpoBatch, type TrainConfig } from '../../../learner/trainer/index.js'
import { randomBatch, TINY, tinyParams } from '../model/helpers.js'

const cfg = TINY['qwen2-tied']
const lora = resolveLora({ r: 2, alpha: 4, targets: ['q_proj', 'v_proj', 'down_proj'] })
const train: Partial<TrainConfig> = { lr: 2e-2, beta: 0.05, temperature: 0.8, maxCompletionLength: 9, buckets: { rows: [8], seq: [16] }, threads: 1, lossType: 'dapo', numIterations: 2 }
const trainers: Trainer[] = []
const make = (params = tinyParams(cfg), t: Partial<TrainConfig> = {}) => {
  const tr = new Trainer(cfg, params, { ...train, ...t }, { lora, loraSeed: 1 })
  trainers.push(tr)
  return tr
}
afterAll(async () => { await Promise.all(trainers.map((t) => t.close())) })

const rb = randomBatch(cfg, 8, 9, 5)
const batch: GrpoBatch = { inputIds: rb.ids, completionMask: rb.mask, advantages: rb.advantages }
const copy = (m: Map<string, Float32Array>) => new Map([...m].map(([k, v]) => [k, v.slice()]))

describe('Trainer with LoRA', () => {
  it('trains adapters only; the base is the start policy and the KL reference; merged weights differ only where adapted', async () => {
    const base = tinyParams(cfg)
    const frozen = copy(base)
    const t = make(base)
    expect(t.optimizer.m.reduce((n, m) => n + m.length, 0)).toBe(t.specs.reduce((n, s) => n + s.shape[0] * s.shape[1], 0))
    expect(t.optimizer.m.reduce((n, m) => n + m.length, 0)).toBeLessThan(countParams(cfg) / 5)
    const before = await t.logprobs(batch)
    const ref0 = await t.logprobs(batch, { reference: true })
    expect(before.logprobs).toEqual(ref0.logprobs) // B = 0: adapted model = base
    for (let i = 0; i < 4; i++) await t.step(batch)
    for (const [k, v] of frozen) expect(base.get(k), k).toEqual(v) // the base never moves
    const after = await t.logprobs(batch)
    const ref = await t.logprobs(batch, { reference: true })
    expect(ref.logprobs).toEqual(ref0.logprobs)
    expect(after.logprobs.flat().some((x, i) => Math.abs(x - before.logprobs.flat()[i]) > 1e-3)).toBe(true)
    expect((await t.step(batch)).kl).toBeGreaterThan(0)
    const merged = t.policyWeights()
    for (const [k, v] of merged) {
      const adapted = /\.(q_proj|v_proj|down_proj)\.weight$/.test(k)
      expect(v === base.get(k), k).toBe(!adapted) // untouched tensors are shared, adapted ones are new
      if (adapted) expect(v.some((x, i) => x !== base.get(k)![i])).toBe(true)
    }
  })

  it('dropout: applied in training graphs only; scoring stays deterministic', async () => {
    const withDropout = (p: number) => {
      const tr = new Trainer(cfg, tinyParams(cfg), { ...train, numIterations: 1 }, { lora: { ...lora, dropout: p }, loraSeed: 1 })
      trainers.push(tr)
      return tr
    }
    const sft = { inputIds: batch.inputIds, completionMask: batch.completionMask }
    const [plain, dropped] = [withDropout(0), withDropout(0.5)]
    const before = await dropped.logprobs(batch)
    expect(before.logprobs).toEqual((await plain.logprobs(batch)).logprobs) // eval graphs: no dropout
    for (const t of [plain, dropped]) for (let i = 0; i < 2; i++) await t.sftStep(sft)
    expect((await dropped.logprobs(batch)).logprobs).toEqual((await dropped.logprobs(batch)).logprobs)
    const gap = Math.max(...[...plain.params].map(([k, v]) => Math.max(...v.map((x, i) => Math.abs(x - dropped.params.get(k)![i])))))
    expect(gap).toBeGreaterThan(1e-4) // the dropped-out adapter inputs changed the updates
  })

  it('save → fromCheckpoint / load: PEFT files next to the base model; resume continues identically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-lora-'))
    try {
      const t = make()
      for (let i = 0; i < 2; i++) await t.step(batch)
      await t.save(dir)
      expect(await readdir(dir)).toEqual(expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors', 'model.safetensors', 'optimizer.safetensors']))
      const resumed = await Trainer.fromCheckpoint(dir)
      trainers.push(resumed)
      expect(resumed.lora).toEqual(lora)
      const loaded = make(tinyParams(cfg, 42))
      await loaded.load(dir)
      for (const r of [resumed, loaded]) expect(r.updates).toBe(t.updates)
      const a = await t.step(batch)
      for (const r of [resumed, loaded]) expect((await r.step(batch)).loss).toBeCloseTo(a.loss, 6)
      for (const r of [resumed, loaded]) for (const [k, v] of t.params) expect(Math.max(...v.map((x, i) => Math.abs(x - r.params.get(k)![i])))).toBeLessThan(1e-6)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
