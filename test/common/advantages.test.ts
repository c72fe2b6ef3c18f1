import { describe, expect, it } from 'vitest'
import { ADVANTAGE_EPS, batchAdvantages, groupAdvantages, groupStats } from '../../common/advantages.js'

describe('group advantages (TRL semantics: Bessel std, eps outside the sqrt)', () => {
  it('worked example: [1,0,0,1,1,0,1,0] → mean 0.5, std 0.5345, A ≈ ±0.935', () => {
    const r = [1, 0, 0, 1, 1, 0, 1, 0]
    const s = groupStats(r)
    expect(s.mean).toBe(0.5)
    expect(s.std).toBeCloseTo(Math.sqrt(2 / 7), 12) // 0.534522…; ddof 0 would give 0.5
    expect(s.std).toBeCloseTo(0.5345, 4)
    const a = groupAdvantages(r)
    const mag = 0.5 / (Math.sqrt(2 / 7) + ADVANTAGE_EPS)
    expect(mag).toBeCloseTo(0.935, 3)
    a.forEach((x, i) => expect(x).toBeCloseTo(r[i] ? mag : -mag, 12))
  })

  it('scale none: [1,0,2] → [0,−1,1]', () => {
    expect(groupAdvantages([1, 0, 2], 'none')).toEqual([0, -1, 1])
  })

  it('all-equal groups give zeros and are counted in fracZeroStd', () => {
    expect(groupAdvantages([0.7, 0.7, 0.7])).toEqual([0, 0, 0])
    const b = batchAdvantages([[1, 1], [0, 1], [0, 0], [2, 3]])
    expect(b.fracZeroStd).toBe(0.5)
    expect(b.advantages[0]).toEqual([0, 0])
    expect(b.advantages[2]).toEqual([0, 0])
    expect(b.advantages[1][0]).toBeLessThan(0)
    expect(groupAdvantages([5])).toEqual([0]) // a group of one carries no signal
  })

  it('batch scale divides each group by the std of all rewards in the batch', () => {
    const groups = [[1, 0, 0, 1], [3, 1], [2, 2]]
    const all = groups.flat()
    const mean = all.reduce((a, b) => a + b, 0) / all.length
    const std = Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / (all.length - 1))
    const b = batchAdvantages(groups, 'batch')
    expect(b.rewardMean).toBeCloseTo(mean, 12)
    expect(b.rewardStd).toBeCloseTo(std, 12)
    expect(b.advantages[0]).toEqual([0.5, -0.5, -0.5, 0.5].map((x) => x / (std + ADVANTAGE_EPS)))
    expect(b.advantages[1][0]).toBeCloseTo(1 / (std + ADVANTAGE_EPS), 12)
    expect(b.advantages[2]).toEqual([0, 0])
    // 'group' scale uses each group's own std instead
    expect(batchAdvantages(groups, 'group').advantages[1][0]).toBeCloseTo(1 / (Math.SQRT2 + ADVANTAGE_EPS), 12)
  })

  it('shuffle invariance: permuting groups permutes advantages and nothing else', () => {
    const groups = [[1, 0, 0, 1], [0.2, 0.9, 0.4], [1, 1, 1], [5, 3], [0, 0, 1, 0]]
    const perm = [3, 0, 4, 2, 1]
    for (const scale of ['group', 'batch', 'none'] as const) {
      const a = batchAdvantages(groups, scale)
      const b = batchAdvantages(perm.map((i) => groups[i]), scale)
      // batch std is summed in a different order: equal to rounding
      perm.forEach((src, dst) => {
        expect(b.advantages[dst].length).toBe(a.advantages[src].length)
        b.advantages[dst].forEach((x, i) => expect(x).toBeCloseTo(a.advantages[src][i], 12))
      })
      expect(b.fracZeroStd).toBe(a.fracZeroStd)
      expect(b.rewardMean).toBeCloseTo(a.rewardMean, 12)
      expect(b.rewardStd).toBeCloseTo(a.rewardStd, 12)
    }
  })

  it('rejects an empty group', () => {
    expect(() => groupStats([])).toThrow(/empty group/)
  })
})
