/** verifyGroup and the spec union: every type parses, status folding, limits. */
import { describe, expect, it } from 'vitest'
import { groupStatus, LIMITS, verifierSpec, verifyGroup } from '../../verifiers/index.js'

describe('verifierSpec', () => {
  it.each([
    { type: 'exact' },
    { type: 'math' },
    { type: 'regex', pattern: 'a' },
    { type: 'choice' },
    { type: 'numeric' },
    { type: 'format' },
    { type: 'json-schema', schema: { type: 'object' } },
    { type: 'code-syntax', language: 'python' },
    { type: 'language', language: 'en' },
    { type: 'length', max: 10, buffer: 2 },
    { type: 'http', url: 'https://verify.example/score', secretRef: 'k' },
    { type: 'human', quorum: 3 },
    { type: 'weighted', parts: [{ weight: 1, verifier: { type: 'exact' } }] },
  ])('parses $type with defaults applied', (spec) => {
    const parsed = verifierSpec.parse(spec)
    expect(parsed.type).toBe(spec.type)
  })
  it('rejects unknown types and unknown fields', () => {
    expect(verifierSpec.safeParse({ type: 'magic' }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'exact', foo: 1 }).success).toBe(false)
  })
})

describe('verifyGroup', () => {
  it('folds statuses: error > pending > ok', () => {
    const ok = { reward: 1, status: 'ok' as const }
    expect(groupStatus([ok, ok])).toBe('ok')
    expect(groupStatus([ok, { reward: null, status: 'pending' }])).toBe('pending')
    expect(groupStatus([{ reward: null, status: 'pending' }, { reward: null, status: 'error' }])).toBe('error')
  })
  it('rejects an oversized group as an error', async () => {
    const v = await verifyGroup(verifierSpec.parse({ type: 'exact' }), { reference: 'a', completions: Array(LIMITS.groupSize + 1).fill('a') })
    expect(v.status).toBe('error')
  })
  it('an empty group is fine', async () => {
    expect(await verifyGroup(verifierSpec.parse({ type: 'exact' }), { reference: 'a', completions: [] })).toEqual({ rewards: [], details: [], status: 'ok' })
  })
})
