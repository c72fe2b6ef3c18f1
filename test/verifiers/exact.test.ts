/** The exact verifier: normalisation options and limits. */
import { describe, expect, it } from 'vitest'
import { rewards, score } from './helpers.js'

describe('exact', () => {
  it('folds case and whitespace by default', async () => {
    expect(await rewards({ type: 'exact' }, 'Paris', [' paris ', 'PARIS', 'Lyon', 'Par is'])).toEqual([1, 1, 0, 0])
  })
  it('case-sensitive and punctuation options', async () => {
    expect(await rewards({ type: 'exact', caseSensitive: true }, 'Paris', ['paris', 'Paris'])).toEqual([0, 1])
    expect(await rewards({ type: 'exact', stripPunctuation: true }, 'Paris', ['Paris!', '"Paris."'])).toEqual([1, 1])
    expect(await rewards({ type: 'exact' }, 'Paris', ['Paris!'])).toEqual([0])
  })
  it('huge completions score 0 with a reason', async () => {
    const v = await score({ type: 'exact' }, 'a', ['a'.repeat(1_000_000)])
    expect(v.rewards).toEqual([0])
    expect(v.details[0].reason).toMatch(/too long/)
  })
})
