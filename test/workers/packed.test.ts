/**
 * Packed arrays' base64 inside workerd: fromBase64 leans on the runtime's decoder (it skips, stops at or throws on
 * a character outside the alphabet, so the decoded length falls short), so workerd's Buffer must give the same
 * verdicts as the grammar on every variant Node is checked on (test/common/packed.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { fromBase64, packFloat32, toBase64 } from '../../common/packed.js'
import { base64Disagreements } from '../helpers/base64-cases.js'

describe('packed arrays in workerd', () => {
  it('base64: the verdicts of the grammar on > 100,000 variants', () => {
    expect(typeof (globalThis as { Buffer?: unknown }).Buffer).toBe('function') // nodejs_compat: the Buffer path
    const { checked, differ } = base64Disagreements(fromBase64)
    expect(differ).toEqual([])
    expect(checked).toBeGreaterThan(100_000)
  })

  it('round-trips packed log-probs', () => {
    const b = packFloat32([-0.5, -1.25, 0])
    expect(Array.from(fromBase64(toBase64(b))!)).toEqual(Array.from(b))
  })
})
