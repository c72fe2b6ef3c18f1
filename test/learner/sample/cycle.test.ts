/** shuffledCycle: every pass over the items is a full permutation, passes differ, and the stream is seeded. */
import { describe, expect, it } from 'vitest'
import { shuffledCycle } from '../../../learner/sample/index.js'

describe('shuffledCycle', () => {
  it('yields each item once per pass, reshuffles between passes, and repeats for the same seed', () => {
    const items = Array.from({ length: 20 }, (_, i) => i)
    const next = shuffledCycle(items, 7)
    const a = next(20)
    const b = next(20)
    expect([...a].sort((x, y) => x - y)).toEqual(items)
    expect([...b].sort((x, y) => x - y)).toEqual(items)
    expect(a).not.toEqual(b)
    expect(a).not.toEqual(items)
    // batches may straddle passes; the stream is the same however it is cut
    const again = shuffledCycle(items, 7)
    expect([...again(7), ...again(13), ...again(20)]).toEqual([...a, ...b])
    expect(shuffledCycle(items, 8)(20)).not.toEqual(a)
  })
})
