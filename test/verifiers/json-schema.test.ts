/** The json-schema verifier: parse, validate, fences, limits. */
import { describe, expect, it } from 'vitest'
import { verifierSpec } from '../../verifiers/index.js'
import { rewards, score } from './helpers.js'

const schema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
  required: ['name', 'age'],
  additionalProperties: false,
}

describe('json-schema', () => {
  it('valid, invalid, not JSON', async () => {
    const v = await score({ type: 'json-schema', schema }, null, [
      '{"name":"Ada","age":36}',
      'Here:\n```json\n{"name":"Ada","age":36}\n```',
      '{"name":"Ada","age":-1}',
      '{"name":"Ada"}',
      '{"name":"Ada","age":36,"x":1}',
      'not json',
    ])
    expect(v.rewards).toEqual([1, 1, 0, 0, 0, 0])
    expect(v.details[2].reason).toMatch(/schema violation/)
    expect(v.details[5].reason).toMatch(/invalid JSON/)
  })
  it('deeply nested or huge JSON is rejected before parsing', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000)
    const v = await score({ type: 'json-schema', schema: true }, null, [deep, `[${'1,'.repeat(200_000)}1]`])
    expect(v.rewards).toEqual([0, 0])
    expect(v.details[0].reason).toMatch(/nested deeper/)
    expect(v.details[1].reason).toMatch(/too long/)
  })
  it('rejects a non-object schema', () => {
    expect(verifierSpec.safeParse({ type: 'json-schema', schema: 'x' }).success).toBe(false)
  })
})
