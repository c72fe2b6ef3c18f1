/**
 * The SFT cold start's stop rule: it checks the validation split every `every` steps and stops at the first check
 * that reaches the target; it runs all its steps when the target is never reached; the validation split is taken
 * from the training prompts (disjoint from what SFT trains on) and never from the held-out set.
 */
import { describe, expect, it } from 'vitest'
import { arithmeticTask, DEFAULT_DEMO, expressionCount, expressionsExcept, sftColdStart, validationSplit } from '../../../learner/demo/index.js'
import { tinyModel } from '../../../learner/service/index.js'
import { Trainer } from '../../../learner/trainer/index.js'

const model = { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 32, max_position_embeddings: 32 }

async function run(scores: number[], steps: number, target: number) {
  const base = tinyModel(1, model)
  const split = arithmeticTask({ terms: 2, maxOperand: 9, ops: '+', train: 40, heldOut: 10, seed: 1 })
  const trainer = new Trainer(base.config, base.params, { lr: 3e-3, threads: 1, entropy: false, microBatchSize: 4 })
  const checks: [number, number][] = []
  let i = 0
  try {
    const r = await sftColdStart(trainer, base.tokenizer!, split.train, {
      steps, batchSize: 4, seed: 1,
      until: { validate: async () => scores[Math.min(i++, scores.length - 1)], target, every: 3, onCheck: (s, a) => checks.push([s, a]) },
    })
    return { r, checks }
  } finally {
    await trainer.close()
  }
}

describe('SFT cold start until a validation target', () => {
  it('stops at the first check that reaches the target', async () => {
    const { r, checks } = await run([0.1, 0.2, 0.35, 0.9], 100, 0.3)
    expect(checks).toEqual([[3, 0.1], [6, 0.2], [9, 0.35]])
    expect(r).toMatchObject({ steps: 9, validation: 0.35, reached: true })
    expect(Number.isFinite(r.loss)).toBe(true)
  })

  it('runs every step when the target is never reached', async () => {
    const { r, checks } = await run([0.1], 10, 0.3)
    expect(checks.map((c) => c[0])).toEqual([3, 6, 9])
    expect(r).toMatchObject({ steps: 10, validation: 0.1, reached: false })
  })

  it('the demo validates on training prompts kept out of SFT, never on the held-out set', () => {
    const split = arithmeticTask({ ...DEFAULT_DEMO.arith, seed: 3 })
    const { sft, validation } = validationSplit(split.train, DEFAULT_DEMO.sft.validation)
    expect(validation.length).toBe(DEFAULT_DEMO.sft.validation)
    expect(sft.length + validation.length).toBe(split.train.length)
    const held = new Set(split.heldOut.map((x) => x.prompt))
    const trained = new Set(sft.map((x) => x.prompt))
    for (const v of validation) {
      expect(held.has(v.prompt)).toBe(false)
      expect(trained.has(v.prompt)).toBe(false)
    }
    expect(validationSplit(split.train.slice(0, 3), 64).sft.length).toBe(1) // SFT always keeps an item
  })

  it('the wider cold-start pool is every widened expression except the held-out and validation prompts', () => {
    const split = arithmeticTask({ ...DEFAULT_DEMO.arith, seed: 3 })
    const { validation } = validationSplit(split.train, DEFAULT_DEMO.sft.validation)
    const wide = { ...DEFAULT_DEMO.arith, maxOperand: 29, seed: 3 }
    const pool = expressionsExcept(wide, [...split.heldOut, ...validation])
    expect(expressionCount(wide)).toBe(900)
    expect(pool.length).toBe(900 - split.heldOut.length - validation.length)
    const prompts = new Set(pool.map((x) => x.prompt))
    expect(prompts.size).toBe(pool.length)
    for (const x of [...split.heldOut, ...validation]) expect(prompts.has(x.prompt)).toBe(false)
    for (const x of split.train) if (!validation.includes(x)) expect(prompts.has(x.prompt)).toBe(true) // the GRPO prompts too
    expect(pool.find((x) => x.prompt === 'Calculate 29+28=')?.answer).toBe('57') // operands past the task's 19
  })
})
