/**
 * What each verifier type needs from a prompt, so that tasks refuse prompts their verifier cannot score (a prompt
 * without the reference `exact` compares against would be stored as verify_failed and retried forever).
 *   reference  required: the prompt's `answer` must be a non-empty string; optional: passed on if present;
 *              unused: ignored
 *   check      for required references with a shape: why this reference cannot be scored, or null
 *   tokenCounts  needs token ids with each submitted completion (length, unit tokens): checked at submission
 * `weighted` needs what any of its parts needs. The table is keyed by type: a missing type fails type-checking.
 */
import { parseTestsReference } from './code-tests/reference.js'
import { verifierSpec, type VerifierSpec, type VerifierType } from './spec.js'
import { verifyGroup } from './verify.js'

export interface VerifierNeeds {
  reference: 'required' | 'optional' | 'unused'
  /** What a usable reference looks like (for messages and docs). */
  referenceShape?: string
  /** Why `reference` cannot be scored by `spec`, or null (only called for a non-empty reference). */
  check?: (spec: VerifierSpec, reference: string) => Promise<string | null> | string | null
  tokenCounts?: (spec: VerifierSpec) => boolean
}

/** Score one empty completion: a configuration error (status error) is the reference's fault. */
const dryRun = async (spec: VerifierSpec, reference: string): Promise<string | null> => {
  const v = await verifyGroup(spec, { reference, completions: [''] })
  return v.status === 'error' ? (v.details[0]?.reason ?? 'the verifier cannot use this reference') : null
}

type Leaf = Exclude<VerifierType, 'weighted'>

export const NEEDS: Record<Leaf, VerifierNeeds> = {
  exact: { reference: 'required', referenceShape: 'the expected text' },
  math: {
    reference: 'required',
    referenceShape: 'a final answer, a sentence or display holding one, or a worked solution ending in \\boxed{} / #### N',
    check: dryRun,
  },
  numeric: { reference: 'required', referenceShape: 'a number', check: dryRun },
  choice: { reference: 'required', referenceShape: "one of the spec's choices", check: dryRun },
  regex: { reference: 'optional', referenceShape: 'the expected captured text (mode capture)' },
  format: { reference: 'unused' },
  'json-schema': { reference: 'unused' },
  'code-syntax': { reference: 'unused' },
  'code-tests': {
    reference: 'required',
    referenceShape: 'JSON tests: {"tests":[{"stdin","stdout"}…]} or {"setup"?,"asserts":[…]}',
    check: (_spec, reference) => {
      const r = parseTestsReference(reference)
      return typeof r === 'string' ? r : null
    },
  },
  language: { reference: 'unused' },
  length: { reference: 'unused', tokenCounts: (s) => s.type === 'length' && s.unit === 'tokens' },
  http: { reference: 'optional', referenceShape: 'whatever the hosted verifier expects (sent as is)' },
  human: { reference: 'unused' },
}

const leaves = (spec: VerifierSpec): Exclude<VerifierSpec, { type: 'weighted' }>[] =>
  spec.type === 'weighted' ? spec.parts.flatMap((p) => leaves(p.verifier)) : [spec]

/** Needs of a whole spec: a reference is required when some part requires one. */
export function specNeeds(spec: VerifierSpec): { reference: VerifierNeeds['reference']; tokenCounts: boolean } {
  const ls = leaves(spec)
  const rank = { unused: 0, optional: 1, required: 2 } as const
  const reference = ls.reduce<VerifierNeeds['reference']>((r, l) => (rank[NEEDS[l.type].reference] > rank[r] ? NEEDS[l.type].reference : r), 'unused')
  return { reference, tokenCounts: ls.some((l) => NEEDS[l.type].tokenCounts?.(l) ?? false) }
}

/** Why a prompt with this reference cannot be scored by `spec`, or null when it can. */
export async function promptProblem(spec: VerifierSpec, reference: string | null | undefined): Promise<string | null> {
  for (const leaf of leaves(spec)) {
    const need = NEEDS[leaf.type]
    // regex needs its reference only in capture mode
    const required = need.reference === 'required' || (leaf.type === 'regex' && leaf.mode === 'capture')
    const given = typeof reference === 'string' && reference.trim() !== ''
    if (!given) {
      if (required) return `the ${leaf.type} verifier needs a reference answer ("answer": ${need.referenceShape})`
      continue
    }
    const bad = required ? await need.check?.(leaf, reference) : null
    if (bad) return `${leaf.type} verifier: ${bad}`
  }
  return null
}

/**
 * Why each prompt cannot be scored by a task's verifier (index → reason); empty when all can. Used by
 * POST /v1/tasks/{name}/prompts and `cohort tasks add --prompts`.
 */
export async function unscorablePrompts(verifier: unknown, prompts: readonly { answer?: string | null }[]): Promise<Map<number, string>> {
  const bad = new Map<number, string>()
  const spec = verifierSpec.safeParse(verifier)
  if (!spec.success) {
    prompts.forEach((_, i) => bad.set(i, 'the task has an invalid verifier spec'))
    return bad
  }
  for (let i = 0; i < prompts.length; i++) {
    const why = await promptProblem(spec.data, prompts[i].answer)
    if (why) bad.set(i, why)
  }
  return bad
}
