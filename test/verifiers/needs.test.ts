/** What each verifier needs from a prompt (verifiers/needs.ts): one case per type, and weighted specs. */
import { describe, expect, it } from 'vitest'
import { NEEDS, promptProblem, specNeeds, verifierSpec, type VerifierSpec } from '../../verifiers/index.js'

const spec = (s: object) => verifierSpec.parse(s) as VerifierSpec
const problem = (s: object, ref: string | null) => promptProblem(spec(s), ref)

describe('verifier needs', () => {
  it('references required, optional or unused per type', async () => {
    for (const type of ['exact', 'math', 'numeric', 'choice'] as const) {
      expect(await problem({ type }, null), type).toMatch(new RegExp(`${type} verifier needs a reference`))
      expect(await problem({ type }, ''), type).toMatch(/needs a reference/)
    }
    expect(await problem({ type: 'exact' }, 'Paris')).toBeNull()
    expect(await problem({ type: 'math' }, '\\frac12')).toBeNull()
    expect(await problem({ type: 'math' }, 'We add them.\nSo the total is $\\frac{1}{2}$.')).toBeNull()
    expect(await problem({ type: 'math' }, 'We add them.\nThen we are done.')).toMatch(/no final answer/)
    expect(await problem({ type: 'numeric' }, '3.5')).toBeNull()
    expect(await problem({ type: 'numeric' }, 'three')).toMatch(/not a number/)
    expect(await problem({ type: 'choice' }, '(C)')).toBeNull()
    expect(await problem({ type: 'choice', choices: ['A', 'B'] }, 'C')).toMatch(/not one of the choices/)
    expect(await problem({ type: 'regex', pattern: 'a' }, null)).toBeNull()
    expect(await problem({ type: 'regex', pattern: '(a)', mode: 'capture' }, null)).toMatch(/regex verifier needs a reference/)
    for (const s of [{ type: 'format' }, { type: 'json-schema', schema: {} }, { type: 'code-syntax', language: 'python' }, { type: 'language', language: 'en' }, { type: 'length', max: 5, buffer: 2 }, { type: 'human' }])
      expect(await problem(s, null), s.type).toBeNull()
    expect(await problem({ type: 'http', url: 'https://x.test/', secretRef: 's' }, null)).toBeNull()
  })

  it('code-tests: a reference that parses as one of the two shapes', async () => {
    const ct = { type: 'code-tests', language: 'python' }
    expect(await problem(ct, '{"tests":[{"stdin":"","stdout":"1"}]}')).toBeNull()
    expect(await problem(ct, '{"setup":"import math","asserts":["assert f(1) == 1"]}')).toBeNull()
    expect(await problem(ct, null)).toMatch(/code-tests verifier needs a reference/)
    expect(await problem(ct, 'assert f(1) == 1')).toMatch(/not JSON/)
    expect(await problem(ct, '{"asserts":[]}')).toMatch(/asserts/)
  })

  it('weighted: the union of its parts', async () => {
    const w = { type: 'weighted', parts: [{ weight: 1, verifier: { type: 'format' } }, { weight: 2, verifier: { type: 'length', max: 9, buffer: 3, unit: 'tokens' } }] }
    expect(specNeeds(spec(w))).toEqual({ reference: 'unused', tokenCounts: true })
    const w2 = { type: 'weighted', parts: [{ weight: 1, verifier: { type: 'format' } }, { weight: 1, verifier: { type: 'math' } }] }
    expect(specNeeds(spec(w2)).reference).toBe('required')
    expect(await problem(w2, null)).toMatch(/math verifier needs a reference/)
  })

  it('every leaf type has an entry', () => {
    expect(Object.keys(NEEDS).sort()).toEqual(
      ['choice', 'code-syntax', 'code-tests', 'exact', 'format', 'http', 'human', 'json-schema', 'language', 'length', 'math', 'numeric', 'regex'].sort(),
    )
  })
})
