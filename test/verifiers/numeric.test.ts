/** The numeric verifier: exact by default, tolerance options, non-numbers. */
import { describe, expect, it } from 'vitest'
import { rewards, score } from './helpers.js'

describe('numeric', () => {
  it('compares numbers exactly by default', async () => {
    expect(await rewards({ type: 'numeric' }, '0.5', ['\\boxed{1/2}', 'it is 0.50', '#### 0.51', 'none'])).toEqual([1, 1, 0, 0])
  })
  it('absolute and relative tolerance', async () => {
    expect(await rewards({ type: 'numeric', abs: 0.01 }, '3.14159', ['\\boxed{3.14}', '\\boxed{3.1}'])).toEqual([1, 0])
    expect(await rewards({ type: 'numeric', rel: 0.01 }, '1000', ['\\boxed{1,005}', '\\boxed{1,011}'])).toEqual([1, 0])
  })
  it('a non-numeric reference is a verifier error; a non-numeric answer scores 0', async () => {
    expect((await score({ type: 'numeric' }, '\\sqrt{2}', ['1.41'])).status).toBe('error')
    const v = await score({ type: 'numeric' }, '2', ['\\boxed{\\sqrt{4}}'])
    expect(v.rewards).toEqual([0])
    expect(v.details[0].reason).toBe('final answer is not a number')
  })
})
