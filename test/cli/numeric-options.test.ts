/** cli/commands/numeric-options.ts: bounds are explicit, each end closed or open, and a refusal names flag and range. */
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../cli/command.js'
import { intOption, numberOption } from '../../cli/commands/numeric-options.js'

describe('numberOption', () => {
  it('returns the default when the flag is absent and the number when it is inside the range', () => {
    expect(numberOption('lr', undefined, 4e-4, { lo: 0, loOpen: true, hi: 1, hiOpen: true })).toBe(4e-4)
    expect(numberOption('lr', '1e-9', 4e-4, { lo: 0, loOpen: true, hi: 1, hiOpen: true })).toBe(1e-9)
    expect(numberOption('sft-weight-decay', '0', 0.1, { lo: 0, hi: 1, hiOpen: true })).toBe(0)
    expect(numberOption('minutes', '1440', 3, { lo: 0, loOpen: true, hi: 1440 })).toBe(1440)
  })

  it('refuses each end as its bracket says, and NaN, with the range written out', () => {
    const open = { lo: 0, loOpen: true, hi: 1, hiOpen: true }
    for (const v of ['0', '1', 'fast', '-0.5']) expect(() => numberOption('lr', v, 1e-3, open)).toThrow(`--lr must be a number in (0, 1), got ${v}`)
    expect(() => numberOption('sft-weight-decay', '1', 0, { lo: 0, hi: 1, hiOpen: true })).toThrow('--sft-weight-decay must be a number in [0, 1), got 1')
    expect(() => numberOption('minutes', '1441', 3, { lo: 0, loOpen: true, hi: 1440 })).toThrow('--minutes must be a number in (0, 1440], got 1441')
    expect(() => numberOption('x', '-1', 0, { lo: 0, hi: 2 })).toThrow(UsageError)
  })
})

describe('intOption', () => {
  it('accepts integers within [min, max] and refuses fractions and values outside', () => {
    expect(intOption('workers', '8', 1, 1, 8)).toBe(8)
    expect(() => intOption('workers', '9', 1, 1, 8)).toThrow('--workers must be an integer in [1, 8], got 9')
    expect(() => intOption('workers', '1.5', 1, 1, 8)).toThrow(UsageError)
  })
})
