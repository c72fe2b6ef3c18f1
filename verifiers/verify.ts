/**
 * verifyGroup: score a group of completions with a parsed spec. Dispatches through the registry, applies the
 * group limits and the time budget, turns a thrown scorer into per-completion errors, and folds the statuses.
 */
import { DEFAULT_GROUP_TIMEOUT_MS, failed, LIMITS } from './limits.js'
import { VERIFIERS } from './registry.js'
import type { VerifierSpec } from './spec.js'
import type { CompletionVerdict, GroupVerdict, RunContext, VerifyContext, VerifyInput } from './types.js'

async function dispatch(spec: VerifierSpec, input: VerifyInput, ctx: RunContext): Promise<CompletionVerdict[]> {
  const def = VERIFIERS[spec.type] as { score: (s: VerifierSpec, i: VerifyInput, c: RunContext) => Promise<CompletionVerdict[]> | CompletionVerdict[] }
  if (!def) return input.completions.map(() => failed(`unknown verifier type "${String(spec.type)}"`))
  try {
    const out = await def.score(spec, input, ctx)
    if (out.length !== input.completions.length) throw new Error(`returned ${out.length} verdicts for ${input.completions.length} completions`)
    return out
  } catch (e) {
    return input.completions.map(() => failed(`${spec.type} verifier failed: ${(e as Error).message}`))
  }
}

/** Group status: error if any errored, else pending if any is pending, else ok. */
export function groupStatus(details: readonly CompletionVerdict[]): GroupVerdict['status'] {
  if (details.some((d) => d.status === 'error')) return 'error'
  if (details.some((d) => d.status === 'pending')) return 'pending'
  return 'ok'
}

export async function verifyGroup(spec: VerifierSpec, input: VerifyInput, ctx: VerifyContext = {}): Promise<GroupVerdict> {
  const now = ctx.now ?? Date.now
  const run: RunContext = {
    ...ctx,
    now,
    deadline: now() + (ctx.timeoutMs ?? DEFAULT_GROUP_TIMEOUT_MS),
    dispatch: (s, i) => dispatch(s as VerifierSpec, i, run),
  }
  const details =
    input.completions.length > LIMITS.groupSize
      ? input.completions.map(() => failed(`group larger than ${LIMITS.groupSize} completions`))
      : await dispatch(spec, input, run)
  return { rewards: details.map((d) => d.reward), details, status: groupStatus(details) }
}
