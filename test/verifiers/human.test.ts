/** The human verifier: quorum → pending, mean aggregation, outlier flags (hand-worked). */
import { describe, expect, it } from 'vitest'
import { aggregateRatings } from '../../verifiers/index.js'
import { score } from './helpers.js'

const r = (rater: string, score: number) => ({ rater, score })

describe('aggregateRatings', () => {
  it('mean of one score per rater (a repeated rater keeps the last)', () => {
    expect(aggregateRatings([r('a', 1), r('b', 0.5), r('a', 0)])).toEqual({ mean: 0.25, count: 2, outliers: [] })
    expect(aggregateRatings([])).toEqual({ mean: null, count: 0, outliers: [] })
  })
  it('flags a rater far from the consensus (the median)', () => {
    // median(0.9, 1, 0) = 0.9: c deviates by 0.9 > 0.5 → flagged; a by 0, b by 0.1 → not.
    const agg = aggregateRatings([r('a', 0.9), r('b', 1), r('c', 0)])
    expect(agg.outliers).toEqual(['c'])
    expect(agg.mean).toBeCloseTo(1.9 / 3)
    expect(aggregateRatings([r('a', 0.9), r('b', 1), r('c', 0)], 0.95).outliers).toEqual([])
    // median(0, 0.2, 0.6, 1) = 0.4: d deviates by 0.6 → flagged; a by 0.4 → not.
    expect(aggregateRatings([r('a', 0), r('b', 0.2), r('c', 0.6), r('d', 1)]).outliers).toEqual(['d'])
    expect(aggregateRatings([r('a', 1), r('b', 0)]).outliers).toEqual([]) // fewer than 3: no consensus
  })
  it('ignores out-of-range scores', () => {
    expect(aggregateRatings([r('a', 2), r('b', -1), r('c', Number.NaN), r('d', 0.5)]).count).toBe(1)
  })
})

describe('human verifier', () => {
  it('pending until the quorum, then the mean', async () => {
    const ratings = [[r('a', 1), r('b', 1), r('c', 0.4)], [r('a', 1)], undefined]
    const v = await score({ type: 'human', quorum: 3 }, null, ['x', 'y', 'z'], { ratings })
    expect(v.status).toBe('pending')
    expect(v.rewards[0]).toBeCloseTo(0.8)
    expect(v.details.map((d) => d.status)).toEqual(['ok', 'pending', 'pending'])
    expect(v.details[1].reason).toBe('1/3 ratings')
  })
  it('ok once every completion has its quorum; reasons never name raters', async () => {
    const v = await score({ type: 'human', quorum: 1 }, null, ['x'], { ratings: [[r('secret-rater', 0.3)]] })
    expect(v).toMatchObject({ status: 'ok', rewards: [0.3] })
    expect(JSON.stringify(v)).not.toContain('secret-rater')
  })
})
