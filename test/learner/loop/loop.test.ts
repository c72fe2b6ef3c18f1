/**
 * grpoLoop's parts on a tiny random model (real onnxruntime, real verifier): the batch it trains on (group-major
 * rows, masks, the generator's log-probs as old log-probs, advantages from common/advantages.ts), the version
 * handover (a snapshot: the generator samples from exactly the trainer's weights at handover, and not from
 * later ones), stale generators every syncEvery steps, groups without signal dropped, bad options refused.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { batchAdvantages } from '../../../common/advantages.js'
import { arithmeticTask } from '../../../learner/demo/index.js'
import type { Generation } from '../../../learner/generate/index.js'
import { grpoBatch, grpoLoop, onnxGenerator, resolveLoopOptions, snapshot, type ScoredGroup } from '../../../learner/loop/index.js'
import { verifierSpec } from '../../../verifiers/index.js'
import { tinyModel } from '../../../learner/service/index.js'
import { Trainer } from '../../../learner/trainer/index.js'

const base = tinyModel(3, { max_position_embeddings: 32 })
const tokenizer = base.tokenizer!
const split = arithmeticTask({ terms: 2, maxOperand: 9, ops: '+', train: 40, heldOut: 8, seed: 3 })
const exact = verifierSpec.parse({ type: 'exact' })
const bucket = { batch: 16, promptLength: 16, cacheLength: 19 }
const open = onnxGenerator({ config: base.config, tokenizer }, bucket, { threads: 1 })
const trainers: Trainer[] = []
const trainer = (train = {}) => {
  const t = new Trainer(base.config, snapshot(base.params), { lr: 1e-2, threads: 1, microBatchSize: 16, ...train }, { tokenizer })
  trainers.push(t)
  return t
}
afterAll(async () => {
  for (const t of trainers) await t.close()
})

const completion = (ids: number[], logprobs: number[], finishReason: 'stop' | 'length' = 'stop') => ({ text: tokenizer.decode(ids), tokenIds: ids, logprobs, finishReason })

describe('grpoBatch', () => {
  it('builds group-major rows: prompt ++ completion, mask on the completion, the generator log-probs as old', () => {
    const gen = (prompt: number[], cs: ReturnType<typeof completion>[]): Generation => ({ promptTokenIds: prompt, completions: cs })
    const groups: ScoredGroup[] = [
      { item: { prompt: 'a', answer: '1' }, rewards: [1, 0, 0], generation: gen([10, 11], [completion([1], [-0.5]), completion([2, 3], [-1, -2]), completion([4, 5], [-3, -4], 'length')]) },
      { item: { prompt: 'b', answer: '2' }, rewards: [0, 2, 1], generation: gen([12], [completion([6], [-0.1]), completion([7], [-0.2]), completion([8], [-0.3])]) },
    ]
    const b = grpoBatch(groups, 'group', 'mask')
    expect(b.inputIds).toEqual([[10, 11, 1], [10, 11, 2, 3], [10, 11, 4, 5], [12, 6], [12, 7], [12, 8]])
    expect(b.completionMask).toEqual([[0, 0, 1], [0, 0, 1, 1], [0, 0, 0, 0], [0, 1], [0, 1], [0, 1]]) // truncated row masked
    expect(b.oldLogprobs).toEqual([[0, 0, -0.5], [0, 0, -1, -2], [0, 0, -3, -4], [0, -0.1], [0, -0.2], [0, -0.3]])
    expect(b.advantages).toEqual(batchAdvantages([[1, 0, 0], [0, 2, 1]]).advantages.flat())
    // hand-worked: rewards [1,0,0] → mean 1/3, Bessel std 0.57735 → A ≈ [1.1545, −0.5772, −0.5772]
    expect(b.advantages[0]).toBeCloseTo(2 / 3 / (Math.sqrt(1 / 3) + 1e-4), 6)
    expect(grpoBatch(groups, 'none', 'train').completionMask[2]).toEqual([0, 0, 1, 1]) // 'train' keeps it
    expect(grpoBatch(groups, 'none', 'train').advantages.slice(3)).toEqual([-1, 1, 0])
  })
})

describe('version handover', () => {
  it('the generator samples from a snapshot: its log-probs equal the trainer at handover, not after an update', async () => {
    const t = trainer()
    const gen = await open(snapshot(t.params))
    try {
      const [g] = await gen.generate([split.train[0].prompt], { n: 4, maxNewTokens: 3, temperature: 1, seed: 7 })
      const rows = g.completions.map((c) => [...g.promptTokenIds, ...c.tokenIds])
      const score = async () => (await t.logprobs({ inputIds: rows })).logprobs.map((lp) => lp.slice(g.promptTokenIds.length))
      const before = await score()
      g.completions.forEach((c, i) => c.logprobs.forEach((lp, k) => expect(Math.abs(lp - before[i][k])).toBeLessThan(1e-4)))
      // an update moves the trainer; the generator (same seed) still samples the old weights
      await t.step({ inputIds: rows, completionMask: rows.map((r) => r.map((_, j) => (j >= g.promptTokenIds.length ? 1 : 0))), advantages: [1, -1, 1, -1] })
      const after = await score()
      expect(Math.max(...after.flat().map((x, i) => Math.abs(x - before.flat()[i])))).toBeGreaterThan(1e-3)
      const [again] = await gen.generate([split.train[0].prompt], { n: 4, maxNewTokens: 3, temperature: 1, seed: 7 })
      expect(again.completions.map((c) => c.logprobs)).toEqual(g.completions.map((c) => c.logprobs))
    } finally {
      await gen.close()
    }
  })

  it('hands over every syncEvery steps; in between the generator is stale by the updates since', async () => {
    const t = trainer({ lr: 1e-3 }) // skipZeroStd off: every step updates, whatever the rewards
    const lags: number[] = []
    const versions: number[] = []
    const r = await grpoLoop({
      trainer: t, generator: open, prompts: split.train, heldOut: [], verifier: exact,
      groupSize: 4, promptsPerStep: 2, steps: 4, maxNewTokens: 3, syncEvery: 2, skipZeroStd: false,
      onStep: (m) => { lags.push(m.policy_version_lag); versions.push(m.policy_version) },
    })
    expect(r.before).toBeNull()
    expect(versions).toEqual([0, 0, 2, 2])
    expect(lags).toEqual([0, 1, 0, 1])
    expect(t.updates).toBe(4)
  })
})

describe('grpoLoop', () => {
  it('makes no update from groups without signal (random init: every exact reward is 0) and says so', async () => {
    const t = trainer()
    const before = snapshot(t.params)
    const r = await grpoLoop({ trainer: t, generator: open, prompts: split.train, heldOut: split.heldOut, verifier: exact, groupSize: 4, promptsPerStep: 2, steps: 2, maxNewTokens: 3 })
    expect(r.before!.accuracy).toBe(0)
    for (const m of r.steps) {
      expect(m.reward).toBe(0)
      expect(m.frac_reward_zero_std).toBe(1)
      expect(m.groups_trained).toBe(0)
      expect(Number.isNaN(m.loss)).toBe(true)
    }
    expect(t.updates).toBe(0)
    for (const [k, w] of before) expect(t.params.get(k)).toEqual(w)
    expect(r.steps.at(-1)!.eval).toBeDefined() // evaluated after the last step
  })

  it('refuses bad options with a RangeError naming the field', () => {
    const t = trainer()
    const ok = { trainer: t, generator: open, prompts: split.train, verifier: exact, groupSize: 4, steps: 1, maxNewTokens: 3 }
    expect(() => resolveLoopOptions({ ...ok, groupSize: 1 })).toThrow(/groupSize/)
    expect(() => resolveLoopOptions({ ...ok, syncEvery: 0 })).toThrow(/syncEvery/)
    expect(() => resolveLoopOptions({ ...ok, prompts: [] })).toThrow(/prompts/)
    expect(() => resolveLoopOptions({ ...ok, truncated: 'drop' as never })).toThrow(/truncated/)
    expect(resolveLoopOptions(ok).promptsPerStep).toBe(8)
  })
})
