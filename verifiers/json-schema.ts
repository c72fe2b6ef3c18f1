/**
 * `json-schema`: the answer parses as JSON (bounded, see json.ts) and satisfies a JSON Schema (draft 2020-12 by
 * default) checked with @cfworker/json-schema — an interpreter, not a code generator, so it runs in workerd
 * where ajv's runtime compilation is disallowed.
 */
import { Validator, type Schema } from '@cfworker/json-schema'
import { z } from 'zod'
import { jsonAnswer, parseJsonBounded } from './json.js'
import { eachCompletion, zero } from './limits.js'
import type { VerifierDef } from './types.js'

export const jsonSchemaSpec = z
  .object({
    type: z.literal('json-schema'),
    /** The JSON Schema the answer must satisfy. */
    schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]).refine((s) => JSON.stringify(s).length <= 64 * 1024, {
      message: 'schema larger than 64 KiB',
    }),
    draft: z.enum(['4', '7', '2019-09', '2020-12']).default('2020-12'),
  })
  .strict()
export type JsonSchemaSpec = z.infer<typeof jsonSchemaSpec>

export const jsonSchema: VerifierDef<JsonSchemaSpec> = {
  score(spec, input, ctx) {
    const validator = new Validator(spec.schema as Schema | boolean, spec.draft, false)
    return eachCompletion(input.completions, ctx, (c) => {
      const parsed = parseJsonBounded(jsonAnswer(c))
      if (!parsed.ok) return zero(parsed.reason)
      const r = validator.validate(parsed.value)
      if (r.valid) return { reward: 1, status: 'ok', reason: 'valid' }
      const first = r.errors.filter((e) => e.keyword !== 'properties' && e.keyword !== 'items').slice(0, 3)
      return zero(`schema violation: ${(first.length ? first : r.errors.slice(0, 1)).map((e) => `${e.instanceLocation} ${e.error}`).join('; ')}`)
    })
  },
}
