/** The weighted verifier: normalised weights, per-part breakdown, nesting, error/pending propagation. */
import { describe, expect, it } from 'vitest'
import { verifierSpec } from '../../verifiers/index.js'
import { score } from './helpers.js'

describe('weighted', () => {
  it('normalises weights and reports each part', async () => {
    const spec = {
      type: 'weighted',
      parts: [
        { name: 'accuracy', weight: 9, verifier: { type: 'math' } },
        { weight: 1, verifier: { type: 'format', tags: ['answer'] } },
      ],
    }
    const v = await score(spec, '4', ['<answer>\\boxed{4}</answer>', '\\boxed{4}', '<answer>5</answer>'])
    expect(v.rewards[0]).toBeCloseTo(1)
    expect(v.rewards[1]).toBeCloseTo(0.9)
    expect(v.rewards[2]).toBeCloseTo(0.1)
    expect(v.details[1].parts).toEqual({ accuracy: 1, format: 0 })
  })
  it('names repeated types uniquely and flattens nested parts', async () => {
    const spec = {
      type: 'weighted',
      parts: [
        { weight: 1, verifier: { type: 'exact' } },
        { weight: 1, verifier: { type: 'exact', caseSensitive: true } },
        { name: 'inner', weight: 2, verifier: { type: 'weighted', parts: [{ weight: 1, verifier: { type: 'length', max: 100, buffer: 10, unit: 'chars' } }] } },
      ],
    }
    const v = await score(spec, 'Yes', ['yes'])
    expect(v.details[0].parts).toEqual({ exact: 1, exact_2: 0, inner: 0, 'inner/length': 0 })
    expect(v.rewards[0]).toBeCloseTo(0.25)
  })
  it('an erroring part makes the completion an error; a pending part makes it pending', async () => {
    const err = await score({ type: 'weighted', parts: [{ weight: 1, verifier: { type: 'exact' } }, { weight: 1, verifier: { type: 'http', url: 'https://x.test', secretRef: 'nope' } }] }, 'a', ['a'])
    expect(err.status).toBe('error')
    expect(err.details[0].reason).toMatch(/^part http: /)
    const pend = await score({ type: 'weighted', parts: [{ weight: 1, verifier: { type: 'exact' } }, { weight: 1, verifier: { type: 'human', quorum: 2 } }] }, 'a', ['a'])
    expect(pend).toMatchObject({ status: 'pending', rewards: [null] })
    expect(pend.details[0].parts).toEqual({ exact: 1 })
  })
  it('validates parts: positive weights, known types, bounded nesting', () => {
    expect(verifierSpec.safeParse({ type: 'weighted', parts: [{ weight: 0, verifier: { type: 'exact' } }] }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'weighted', parts: [{ weight: 1, verifier: { type: 'bogus' } }] }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'weighted', parts: [] }).success).toBe(false)
    let deep: unknown = { type: 'exact' }
    for (let i = 0; i < 6; i++) deep = { type: 'weighted', parts: [{ weight: 1, verifier: deep }] }
    expect(verifierSpec.safeParse(deep).success).toBe(false)
  })
})
