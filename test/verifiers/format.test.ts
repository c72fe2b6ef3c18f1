/** The format verifier: R1 structure, strictness, partial credit. */
import { describe, expect, it } from 'vitest'
import { rewards, score } from './helpers.js'

const good = '<think>\n2+2=4\n</think>\n<answer>4</answer>'

describe('format', () => {
  it('all-or-nothing by default', async () => {
    expect(
      await rewards({ type: 'format' }, null, [
        good,
        '<answer>4</answer><think>x</think>',
        `${good} trailing`,
        '<think>a</think><think>b</think><answer>4</answer>',
        '4',
      ]),
    ).toEqual([1, 0, 0, 0, 0])
  })
  it('non-strict allows text outside the tags', async () => {
    expect(await rewards({ type: 'format', strict: false }, null, [`Sure! ${good}`])).toEqual([1])
  })
  it('partial credit is the fraction of checks passed', async () => {
    const v = await score({ type: 'format', partialCredit: true }, null, [good, '<think>x</think> 4', ''])
    // 6 checks: 4 tags once each, order, nothing outside.
    expect(v.rewards[0]).toBe(1)
    expect(v.rewards[1]).toBeCloseTo(2 / 6)
    expect(v.rewards[2]).toBe(0)
    expect(v.details[1].reason).toMatch(/<answer> appears 0 times/)
  })
  it('custom tags', async () => {
    expect(await rewards({ type: 'format', tags: ['reasoning', 'final'] }, null, ['<reasoning>r</reasoning><final>f</final>'])).toEqual([1])
  })
})
