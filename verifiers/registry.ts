/** The verifier table: one scorer per spec `type`. A type missing here fails type-checking. */
import { choice } from './choice.js'
import { codeSyntax } from './code-syntax/index.js'
import { codeTests } from './code-tests/index.js'
import { exact } from './exact.js'
import { format } from './format.js'
import { http } from './http.js'
import { human } from './human.js'
import { jsonSchema } from './json-schema.js'
import { language } from './language.js'
import { length } from './length.js'
import { math } from './math/index.js'
import { numeric } from './numeric.js'
import { regex } from './regex.js'
import type { VerifierSpec, VerifierType } from './spec.js'
import type { VerifierDef } from './types.js'
import { weighted } from './weighted.js'

export const VERIFIERS: { [K in VerifierType]: VerifierDef<Extract<VerifierSpec, { type: K }>> } = {
  exact,
  math,
  regex,
  choice,
  numeric,
  format,
  'json-schema': jsonSchema,
  'code-syntax': codeSyntax,
  'code-tests': codeTests,
  language,
  length,
  http,
  human,
  weighted,
}
