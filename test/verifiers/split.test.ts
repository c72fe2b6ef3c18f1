/**
 * The one top-level split the `math` verifier uses for relation chains: structure's `splitTopLevel` (how an answer
 * is read: `x = 3`, `A \cup B`, matrix cells) and extraction's `lastSide` (an equation chain's last side). They were
 * two scanners that disagreed on `<=`, `>=`, `!=`, `==`, escaped brackets and escaped symbols; each case below is
 * checked through both.
 */
import { describe, expect, it } from 'vitest'
import { lastSide, scanTopLevel, splitTopLevel } from '../../verifiers/math/structure.js'

/** [input, parts at top-level `=`] */
const EQUALS: [string, string[]][] = [
  ['x = 3', ['x', '3']],
  ['a = b = c', ['a', 'b', 'c']],
  // a relation's `=` is no split
  ['x <= 3', ['x <= 3']],
  ['x >= 3', ['x >= 3']],
  ['x != 3', ['x != 3']],
  ['y = x <= 3', ['y', 'x <= 3']],
  ['x<=3=y', ['x<=3', 'y']],
  // `==` is one equals sign
  ['a == b', ['a', 'b']],
  ['a==b==c', ['a', 'b', 'c']],
  // relations written as commands or symbols hold no `=`
  ['x \\le 3', ['x \\le 3']],
  ['x \\geq 3', ['x \\geq 3']],
  ['x \\neq 3', ['x \\neq 3']],
  ['x ≤ 3', ['x ≤ 3']],
  ['x ≥ 3', ['x ≥ 3']],
  ['x ≠ 3', ['x ≠ 3']],
  // brackets, escaped brackets included, hide their `=`
  ['f(x = 1) = 2', ['f(x = 1)', '2']],
  ['\\{x \\mid x = 1\\}', ['\\{x \\mid x = 1\\}']],
  ['\\left( a = b \\right) = c', ['\\left( a = b \\right)', 'c']],
  ['\\lim_{x \\to 0} \\frac{\\sin x}{x} = 1', ['\\lim_{x \\to 0} \\frac{\\sin x}{x}', '1']],
  // an escaped symbol is no separator
  ['a \\= b', ['a \\= b']],
  ['a \\\\= b', ['a \\\\', 'b']],
  ['', ['']],
  ['= 3', ['', '3']],
]

describe('top-level split (structure and extraction share it)', () => {
  it.each(EQUALS)('%j at `=`', (s, parts) => {
    expect(splitTopLevel(s, '=')).toEqual(parts)
    expect(scanTopLevel(s, '=').balanced).toBe(true)
    expect(lastSide(s)).toBe(parts.length > 1 ? parts[parts.length - 1] : null)
  })

  it('unbalanced brackets: the parts as far as they go, but no last side', () => {
    for (const s of ['(a = b', 'a) = (b', 'a = b]', '\\{ a = b', 'a = b \\}']) {
      expect(scanTopLevel(s, '=').balanced, s).toBe(false)
      expect(lastSide(s), s).toBeNull()
    }
    expect(splitTopLevel('a) = (b', '=')).toEqual(['a) = (b'])
    expect(splitTopLevel('a = b]', '=')).toEqual(['a', 'b]'])
  })

  it('other separators: commands split only as whole words, escaped symbols never split', () => {
    expect(splitTopLevel('3 \\pm 2', '\\pm')).toEqual(['3', '2'])
    expect(splitTopLevel('3 \\pmod 2', '\\pm')).toEqual(['3 \\pmod 2'])
    expect(splitTopLevel('(0,1) \\cup (2,3)', '\\cup')).toEqual(['(0,1)', '(2,3)'])
    expect(splitTopLevel('[0,1), (2,3]', ',')).toEqual(['[0,1)', '(2,3]'])
    expect(splitTopLevel('\\{1,2\\}, 3', ',')).toEqual(['\\{1,2\\}', '3'])
    expect(splitTopLevel('1 \\& 2 & 3', '&')).toEqual(['1 \\& 2', '3'])
    expect(splitTopLevel('a & b \\\\ c & d', '\\\\')).toEqual(['a & b', 'c & d'])
    expect(splitTopLevel('a \\\\ b', ',')).toEqual(['a \\\\ b'])
  })
})
