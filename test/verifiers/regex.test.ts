/** The regex verifier: match / capture modes and the ReDoS rule (rejected patterns, bounded windows). */
import { describe, expect, it } from 'vitest'
import { analyzeRegex, regexWindow, verifierSpec } from '../../verifiers/index.js'
import { rewards, score } from './helpers.js'

describe('regex', () => {
  it('match mode', async () => {
    expect(await rewards({ type: 'regex', pattern: '^\\d{3}-\\d{4}$' }, null, ['555-1234', '5551234'])).toEqual([1, 0])
    expect(await rewards({ type: 'regex', pattern: 'yes', flags: 'i' }, null, ['YES', 'no'])).toEqual([1, 0])
  })
  it('capture mode compares a group with the reference', async () => {
    const spec = { type: 'regex', pattern: 'ANSWER:\\s*([A-Za-z]+)', mode: 'capture' }
    expect(await rewards(spec, 'Blue', ['so ANSWER: blue', 'ANSWER: red', 'no answer'])).toEqual([1, 0, 0])
    const named = { type: 'regex', pattern: 'id=(?<id>\\d+)', mode: 'capture', group: 'id' }
    expect(await rewards(named, '42', ['id=42', 'id=7'])).toEqual([1, 0])
  })
  it.each([
    ['(a+)+$', /nested quantifier/],
    ['(a*)*b', /nested quantifier/],
    ['(a|aa)+', /quantified alternation/],
    ['(\\w+\\s?)*$', /nested quantifier/],
    ['(x)\\1', /backreferences/],
    ['(?<n>x)\\k<n>', /backreferences/],
    ['a{1,5000}', /above 1000/],
    ['x'.repeat(600), /longer than/],
    ['(', /invalid pattern/],
  ])('rejects %s', (pattern, why) => {
    expect(() => analyzeRegex(pattern)).toThrow(why)
    expect(verifierSpec.safeParse({ type: 'regex', pattern }).success).toBe(false)
  })
  it('rejects flags outside imsu', () => {
    expect(verifierSpec.safeParse({ type: 'regex', pattern: 'a', flags: 'g' }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'regex', pattern: 'a', flags: 'ii' }).success).toBe(false)
  })
  it('bounds the input window by the pattern cost', () => {
    expect(regexWindow(analyzeRegex('abc'))).toBe(16 * 1024)
    expect(regexWindow(analyzeRegex('a*b'))).toBe(4472)
    expect(regexWindow(analyzeRegex('a*a*b'))).toBe(271)
    expect(regexWindow(analyzeRegex('[ab]+c?d'))).toBe(3162)
  })
  it('a polynomial-backtracking pattern on a huge input stays bounded', async () => {
    const t = performance.now()
    const v = await score({ type: 'regex', pattern: 'a*a*a*b' }, null, ['a'.repeat(200_000)])
    expect(v.rewards).toEqual([0])
    expect(v.details[0].reason).toMatch(/last \d+ characters/)
    expect(performance.now() - t).toBeLessThan(5000) // generous; measured ~30 ms
  })
})
