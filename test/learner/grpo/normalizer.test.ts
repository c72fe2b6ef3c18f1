/**
 * The loss normaliser per loss type (hand-worked): what makes gradient accumulation exact for grpo, dr_grpo
 * and dapo, and keeps bnpo TRL's per-micro-batch token mean.
 */
import { describe, expect, it } from 'vitest'
import { checkGrpoOptions, lossNormalizer } from '../../../learner/grpo/index.js'

describe('lossNormalizer', () => {
  const micro = [{ rows: 2, tokens: 7 }, { rows: 2, tokens: 3 }, { rows: 1, tokens: 5 }]
  it('counts rows for grpo / dr_grpo, tokens for dapo / sft, micro-batches for bnpo', () => {
    expect(lossNormalizer('grpo', micro)).toBe(5)
    expect(lossNormalizer('dr_grpo', micro)).toBe(5)
    expect(lossNormalizer('dapo', micro)).toBe(15)
    expect(lossNormalizer('sft', micro)).toBe(15)
    expect(lossNormalizer('bnpo', micro)).toBe(3)
  })
  it('never divides by zero', () => {
    for (const k of ['grpo', 'bnpo', 'dr_grpo', 'dapo', 'sft'] as const) expect(lossNormalizer(k, [{ rows: 0, tokens: 0 }])).toBe(1)
  })
})

describe('checkGrpoOptions', () => {
  it('refuses bad options with a message naming the field', () => {
    expect(() => checkGrpoOptions({ lossType: 'ppo' as never, beta: 0, epsilon: 0.2 })).toThrow(/loss_type/)
    expect(() => checkGrpoOptions({ lossType: 'grpo', beta: -1, epsilon: 0.2 })).toThrow(/beta/)
    expect(() => checkGrpoOptions({ lossType: 'grpo', beta: 0, epsilon: 1.5 })).toThrow(/epsilon/)
    expect(() => checkGrpoOptions({ lossType: 'grpo', beta: 0, epsilon: 0.2, delta: 0.9 })).toThrow(/delta/)
    expect(() => checkGrpoOptions({ lossType: 'dr_grpo', beta: 0, epsilon: 0.2 })).toThrow(/max_completion_length/)
    expect(checkGrpoOptions({ lossType: 'grpo', beta: 0, epsilon: 0.2 }).epsilonHigh).toBe(0.2)
  })
})
