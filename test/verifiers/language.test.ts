/** The language verifier: script fractions, math/code ignored, think region. */
import { describe, expect, it } from 'vitest'
import { scriptFraction } from '../../verifiers/index.js'
import { rewards, score } from './helpers.js'

describe('language', () => {
  it('fraction of letters in the target script', () => {
    expect(scriptFraction('hello world', ['Latin'])).toBe(1)
    expect(scriptFraction('你好 world', ['Han'])).toBeCloseTo(2 / 7)
    expect(scriptFraction('Ответ: $x^2$ \\frac{1}{2}', ['Cyrillic'])).toBe(1)
    expect(scriptFraction('1 + 2 = 3', ['Latin'])).toBeNull()
  })
  it('scores completions; no letters scores 0', async () => {
    const v = await score({ type: 'language', language: 'en' }, null, ['The answer is 4.', '答案是4', '42'])
    expect(v.rewards).toEqual([1, 0, 0])
    expect(v.details[2].reason).toBe('no letters')
  })
  it('think region', async () => {
    expect(await rewards({ type: 'language', language: 'zh', region: 'think' }, null, ['<think>我们计算</think><answer>4</answer>', 'no think'])).toEqual([1, 0])
  })
})
