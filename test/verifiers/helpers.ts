/** Shared helpers for verifier tests: parse a spec JSON and score completions against a reference. */
import { verifierSpec, verifyGroup, type GroupVerdict, type VerifyContext } from '../../verifiers/index.js'

export async function score(
  spec: unknown,
  reference: string | null,
  completions: string[],
  ctx?: VerifyContext,
): Promise<GroupVerdict> {
  return verifyGroup(verifierSpec.parse(spec), { reference, completions }, ctx)
}

export async function rewards(spec: unknown, reference: string | null, completions: string[]): Promise<(number | null)[]> {
  return (await score(spec, reference, completions)).rewards
}
