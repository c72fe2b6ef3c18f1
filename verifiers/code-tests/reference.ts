/**
 * The reference of a `code-tests` prompt: a JSON string holding either
 *   { "tests": [ { "stdin": "…", "stdout": "…" }, … ] }          program reads stdin, prints (APPS / CodeContests)
 *   { "setup"?: "…", "asserts": [ "…", … ] }                     code, then setup, then one assert (MBPP / HumanEval)
 * Parsed strictly (unknown fields are errors, so a typo never silently drops tests), within explicit limits.
 */
import { z } from 'zod'
import { LIMITS } from '../limits.js'

/** Most tests in one reference. */
export const MAX_TESTS = 100

const ioTests = z
  .object({
    tests: z
      .array(z.object({ stdin: z.string().default(''), stdout: z.string() }).strict())
      .min(1)
      .max(MAX_TESTS),
  })
  .strict()

const assertTests = z
  .object({
    setup: z.string().default(''),
    asserts: z.array(z.string().min(1)).min(1).max(MAX_TESTS),
  })
  .strict()

export type TestsReference =
  | { kind: 'io'; tests: { stdin: string; stdout: string }[] }
  | { kind: 'asserts'; setup: string; asserts: string[] }

const SHAPES =
  'a JSON object { "tests": [{ "stdin", "stdout" }, …] } or { "setup"?, "asserts": ["…", …] }'

/** The parsed reference, or why it is not one (a configuration error of the prompt). */
export function parseTestsReference(reference: string | null): TestsReference | string {
  if (reference === null || reference.trim() === '') return `needs a reference: ${SHAPES}`
  if (reference.length > LIMITS.referenceChars) return `reference longer than ${LIMITS.referenceChars} characters`
  let json: unknown
  try {
    json = JSON.parse(reference)
  } catch {
    return `reference is not JSON; expected ${SHAPES}`
  }
  if (json !== null && typeof json === 'object' && 'tests' in json) {
    const r = ioTests.safeParse(json)
    if (!r.success) return `reference: ${issue(r.error)}`
    return { kind: 'io', tests: r.data.tests }
  }
  if (json !== null && typeof json === 'object' && 'asserts' in json) {
    const r = assertTests.safeParse(json)
    if (!r.success) return `reference: ${issue(r.error)}`
    return { kind: 'asserts', setup: r.data.setup, asserts: r.data.asserts }
  }
  return `reference is neither shape; expected ${SHAPES}`
}

const issue = (e: z.ZodError) => {
  const i = e.issues[0]
  return `${i.path.join('.') || '(root)'}: ${i.message}`
}
