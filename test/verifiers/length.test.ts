/** The length verifier: DAPO's soft overlong punishment (hand-worked values). */
import { describe, expect, it } from 'vitest'
import { overlongPenalty, verifierSpec, verifyGroup } from '../../verifiers/index.js'

describe('length', () => {
  it('piecewise penalty: 0, linear ramp, −1', () => {
    // Lmax = 100, Lc = 20: free up to 80, −0.5 at 90, −1 at 100, −1 beyond.
    expect(overlongPenalty(50, 100, 20)).toBe(0)
    expect(overlongPenalty(80, 100, 20)).toBe(0)
    expect(overlongPenalty(90, 100, 20)).toBe(-0.5)
    expect(overlongPenalty(100, 100, 20)).toBe(-1)
    expect(overlongPenalty(101, 100, 20)).toBe(-1)
  })
  it('uses token counts when given, characters when asked, estimates otherwise', async () => {
    const spec = verifierSpec.parse({ type: 'length', max: 100, buffer: 20 })
    const v = await verifyGroup(spec, { reference: null, completions: ['a', 'b'], tokenCounts: [90, 10] })
    expect(v.rewards).toEqual([-0.5, 0])
    const est = await verifyGroup(spec, { reference: null, completions: ['x'.repeat(360)] })
    expect(est.rewards).toEqual([-0.5])
    expect(est.details[0].reason).toMatch(/estimated/)
    const chars = verifierSpec.parse({ type: 'length', max: 10, buffer: 5, unit: 'chars' })
    expect((await verifyGroup(chars, { reference: null, completions: ['héllo wörld'] })).rewards[0]).toBeCloseTo(-1)
  })
  it('rejects buffer > max', () => {
    expect(verifierSpec.safeParse({ type: 'length', max: 10, buffer: 20 }).success).toBe(false)
  })
})
