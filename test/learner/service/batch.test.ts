/** From stored groups to trainer rows: tokenization, masks, rejections, advantages (worked examples). */
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../learner/config.js'
import { advantagesOf, groupDisagreement, prepareGroup, samplingLogprobs, type PreparedGroup } from '../../../learner/service/index.js'
import { byteTokenizer, BYTE_VOCAB_SIZE } from '../../../learner/tokenizer/index.js'
import type { BatchGroup } from '../../../schema/queries/index.js'

const tok = byteTokenizer()
const config = resolveConfig({ hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, vocab_size: BYTE_VOCAB_SIZE, max_position_embeddings: 12 })
const opts = { tokenizer: tok, config, addBos: false, temperature: 1, maskTruncated: false }
let nextId = 1
const group = (rewards: number[], o: Partial<BatchGroup> & { scale?: 'group' | 'batch' | 'none' } = {}): BatchGroup => ({
  id: nextId++,
  policyVersion: 0,
  promptId: 1,
  promptText: '1+2=',
  task: { id: 1, name: 't', scaleRewards: o.scale ?? 'group', temperature: 1, maxNewTokens: 8, chat: null },
  completions: rewards.map((r, index) => ({ index, tokenIds: [51, tok.eos], logprobs: null, finishReason: 'stop', reward: r })),
  ...o,
})
const ok = (g: BatchGroup, o = opts) => {
  const p = prepareGroup(g, o)
  if ('reason' in p) throw new Error(p.reason)
  return p
}

describe('prepareGroup', () => {
  it('rows are prompt ++ completion with the mask on the completion only', () => {
    const p = ok(group([1, 0]))
    expect(p.rows[0].inputIds).toEqual([...tok.encode('1+2='), 51, tok.eos])
    expect(p.rows[0].completionMask).toEqual([0, 0, 0, 0, 1, 1])
    expect(p.rows[0].promptLength).toBe(4)
    const bos = ok(group([1, 0]), { ...opts, addBos: true })
    expect(bos.rows[0].inputIds[0]).toBe(tok.bos)
    expect(bos.rows[0].completionMask).toEqual([0, 0, 0, 0, 0, 1, 1])
  })

  it('truncated completions are counted, and masked only under maskTruncated', () => {
    const g = group([1, 0])
    g.completions[1].finishReason = 'length'
    expect(ok(g).rows.map((r) => r.truncated)).toEqual([false, true])
    expect(ok(g).rows[1].completionMask).toEqual([0, 0, 0, 0, 1, 1])
    expect(ok(g, { ...opts, maskTruncated: true }).rows[1].completionMask).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('rejects what it cannot train on, naming why', () => {
    const reason = (g: BatchGroup) => {
      const p = prepareGroup(g, opts)
      return 'reason' in p ? p.reason : null
    }
    const bad = (f: (g: BatchGroup) => void) => {
      const g = group([1, 0])
      f(g)
      return reason(g)
    }
    expect(bad((g) => (g.completions[0].reward = null))).toBe('missing_reward')
    expect(bad((g) => (g.completions[1].tokenIds = null))).toBe('no_tokens')
    expect(bad((g) => (g.completions[1].tokenIds = [BYTE_VOCAB_SIZE]))).toBe('bad_tokens')
    expect(bad((g) => (g.completions[1].tokenIds = Array(9).fill(65)))).toBe('too_long')
    expect(bad((g) => (g.completions[1].logprobs = [-1]))).toBe('bad_logprobs')
    expect(bad((g) => (g.task.temperature = 0.7))).toBe('temperature_mismatch')
  })
})

describe('advantagesOf', () => {
  it('matches the worked example: [1,0,0,1,1,0,1,0] → ±0.935 (Bessel std 0.5345, +1e-4)', () => {
    const a = advantagesOf([ok(group([1, 0, 0, 1, 1, 0, 1, 0]))])
    const want = 0.5 / (Math.sqrt(2 / 7) + 1e-4)
    a.advantages[0].forEach((x, i) => expect(x).toBeCloseTo(i % 3 === 0 || i === 4 || i === 6 ? want : -want, 9))
    expect(a.rewardStdMean).toBeCloseTo(0.5345, 4)
    expect(a.fracZeroStd).toBe(0)
  })

  it('honours each task scale (none: [1,0,2] → [0,−1,1]); all-equal groups are zero and counted', () => {
    const a = advantagesOf([ok(group([1, 0, 2], { scale: 'none' })), ok(group([3, 3, 3]))])
    expect(a.advantages[0]).toEqual([0, -1, 1])
    expect(a.advantages[1]).toEqual([0, 0, 0])
    expect(a.fracZeroStd).toBe(0.5)
  })

  it('permuting groups permutes their advantages and nothing else', () => {
    const gs: PreparedGroup[] = [ok(group([1, 0, 0, 1])), ok(group([2, 0, 1, 1], { scale: 'batch' })), ok(group([0, 0, 1, 0])), ok(group([5, 1, 0, 0], { scale: 'batch' }))]
    const a = advantagesOf(gs)
    const perm = [2, 0, 3, 1]
    const b = advantagesOf(perm.map((i) => gs[i]))
    perm.forEach((i, k) => expect(b.advantages[k]).toEqual(a.advantages[i]))
  })
})

describe('groupDisagreement', () => {
  it('mean and largest |reported − recomputed| and the mismatch KL over completion tokens only', () => {
    const p = ok(group([1, 0]))
    p.rows[0].reported = [-1, -2]
    p.rows[1].reported = [-1, -2.5]
    const recomputed = [
      [0, 9, 9, 9, -1.01, -2],
      [0, 9, 9, 9, -1, -2.1],
    ]
    const w = groupDisagreement(p.rows, recomputed)!
    expect(w.completion).toBe(1)
    expect(w.token).toBe(1)
    expect(w.maxAbsDiff).toBeCloseTo(0.4, 12)
    expect(w.meanAbsDiff).toBeCloseTo(0.41 / 4, 12)
    const k3 = (d: number) => Math.exp(d) - d - 1
    expect(w.mismatchKl).toBeCloseTo((k3(-0.01) + k3(0.4)) / 4, 12)
    expect(w.tokens).toBe(4)
    // the Trainer's sampler log-probs: reported on completion tokens, recomputed elsewhere
    expect(samplingLogprobs(p.rows, recomputed)).toEqual([[0, 9, 9, 9, -1, -2], [0, 9, 9, 9, -1, -2.5]])
    p.rows.forEach((r) => (r.reported = null))
    expect(groupDisagreement(p.rows, recomputed)).toBeNull()
  })
})
