/** The choice verifier: letter extraction, hedging, references. */
import { describe, expect, it } from 'vitest'
import { extractChoice } from '../../verifiers/index.js'
import { rewards, score } from './helpers.js'

describe('choice', () => {
  it.each([
    ['The answer is (B).', 'B'],
    ['\\boxed{C}', 'C'],
    ['<answer>d</answer>', 'D'],
    ['Looking at the options, A is wrong, so C.', 'C'],
    ['\\boxed{A, C}', 'ambiguous'],
    ['The answer is A or B.', 'ambiguous'],
    ['The answer is (B), since option A ignores friction.', 'B'],
    ['Final answer: option c', 'C'],
    ['The answer is B/C.', 'ambiguous'],
    ['I am not sure.', null],
    ['a dog and a cat', null],
  ])('%s → %s', (text, want) => {
    expect(extractChoice(text, ['A', 'B', 'C', 'D'])).toBe(want)
  })
  it('scores a group', async () => {
    expect(await rewards({ type: 'choice' }, 'B', ['(B)', 'The answer is: C', '\\boxed{B} or \\boxed{C}', ''])).toEqual([1, 0, 0, 0])
  })
  it('custom labels; a reference outside them is a verifier error', async () => {
    expect(await rewards({ type: 'choice', choices: ['A', 'B', 'C', 'D', 'E'] }, 'E', ['answer: E'])).toEqual([1])
    expect((await score({ type: 'choice' }, 'E', ['E'])).status).toBe('error')
  })
})
