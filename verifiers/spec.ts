/**
 * The verifier spec: a zod discriminated union over every verifier's `.strict()` spec, keyed by `type`. The
 * `weighted` spec nests specs (recursively, up to LIMITS.specDepth levels), so it is declared here beside the union.
 */
import { z } from 'zod'
import { choiceSpec } from './choice.js'
import { codeSyntaxSpec } from './code-syntax/index.js'
import { codeTestsSpec } from './code-tests/index.js'
import { exactSpec } from './exact.js'
import { formatSpec } from './format.js'
import { httpSpec } from './http.js'
import { humanSpec } from './human.js'
import { jsonSchemaSpec } from './json-schema.js'
import { languageSpec } from './language.js'
import { lengthSpec } from './length.js'
import { LIMITS } from './limits.js'
import { mathSpec } from './math/index.js'
import { numericSpec } from './numeric.js'
import { regexSpec } from './regex.js'

/** Part names: also the keys of `parts` in verdicts (logged as `rewards/<name>`). */
const partName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)')

export interface WeightedSpec {
  type: 'weighted'
  parts: { name?: string; weight: number; verifier: VerifierSpec }[]
}

export const weightedSpec = z
  .object({
    type: z.literal('weighted'),
    parts: z
      .array(
        z
          .object({
            name: partName.optional(),
            /** Relative weight (> 0); weights are normalised to sum to 1. */
            weight: z.number().positive().finite(),
            get verifier(): z.ZodType<VerifierSpec> {
              return verifierSpec
            },
          })
          .strict(),
      )
      .min(1)
      .max(16),
  })
  .strict()

export type VerifierSpec =
  | z.infer<typeof exactSpec>
  | z.infer<typeof mathSpec>
  | z.infer<typeof regexSpec>
  | z.infer<typeof choiceSpec>
  | z.infer<typeof numericSpec>
  | z.infer<typeof formatSpec>
  | z.infer<typeof jsonSchemaSpec>
  | z.infer<typeof codeSyntaxSpec>
  | z.infer<typeof codeTestsSpec>
  | z.infer<typeof languageSpec>
  | z.infer<typeof lengthSpec>
  | z.infer<typeof httpSpec>
  | z.infer<typeof humanSpec>
  | WeightedSpec

function specDepth(s: VerifierSpec): number {
  return s.type === 'weighted' ? 1 + Math.max(...s.parts.map((p) => specDepth(p.verifier))) : 1
}

export const verifierSpec: z.ZodType<VerifierSpec> = z
  .discriminatedUnion('type', [
    exactSpec,
    mathSpec,
    regexSpec,
    choiceSpec,
    numericSpec,
    formatSpec,
    jsonSchemaSpec,
    codeSyntaxSpec,
    codeTestsSpec,
    languageSpec,
    lengthSpec,
    httpSpec,
    humanSpec,
    weightedSpec,
  ])
  .superRefine((s, ctx) => {
    if (specDepth(s as VerifierSpec) > LIMITS.specDepth)
      ctx.addIssue({ code: 'custom', message: `verifier specs nest at most ${LIMITS.specDepth} levels` })
  }) as z.ZodType<VerifierSpec>

/** The JSON a user writes (defaults not yet applied). */
export type VerifierSpecInput = { type: VerifierSpec['type'] } & Record<string, unknown>

export type VerifierType = VerifierSpec['type']
