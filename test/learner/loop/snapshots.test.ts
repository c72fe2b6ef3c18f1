/** Snapshots: two buffer sets in turn, each a copy of the weights at its take; a set is rewritten two takes later. */
import { describe, expect, it } from 'vitest'
import { Snapshots } from '../../../learner/loop/index.js'

describe('Snapshots', () => {
  it('copies the weights into two alternating buffer sets, reused from the third take on', () => {
    const w = new Map([['a', Float32Array.of(1, 2, 3)], ['b', Float32Array.of(4)]])
    const s = new Snapshots()
    const v0 = s.take(w)
    w.get('a')![0] = 10
    const v1 = s.take(w)
    expect(v0.get('a')).not.toBe(w.get('a')) // a copy, not the live buffer
    expect([...v0.get('a')!]).toEqual([1, 2, 3]) // unchanged by the live update and by the next take
    expect([...v1.get('a')!]).toEqual([10, 2, 3])
    expect(v1.get('a')).not.toBe(v0.get('a'))
    w.get('b')![0] = 40
    const v2 = s.take(w)
    expect(v2.get('b')).toBe(v0.get('b')) // v0's arrays, rewritten
    expect([...v2.get('b')!]).toEqual([40])
    expect([...v1.get('b')!]).toEqual([4]) // the current generator's set untouched
    expect(s.take(w).get('a')).toBe(v1.get('a'))
  })

  it('takes a fresh copy when the weights change shape', () => {
    const s = new Snapshots()
    s.take(new Map([['a', new Float32Array(2)]]))
    s.take(new Map([['a', new Float32Array(2)]]))
    const v = s.take(new Map([['a', Float32Array.of(1, 2, 3)]]))
    expect([...v.get('a')!]).toEqual([1, 2, 3])
  })
})
