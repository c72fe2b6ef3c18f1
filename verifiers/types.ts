/**
 * Shared types of the verifier library: what a scorer receives (input + context) and what it returns (verdicts).
 * Every verifier returns one CompletionVerdict per completion; `verifyGroup` folds them into a GroupVerdict.
 */

export interface VerifyInput {
  prompt?: string
  /** The task's reference answer (never echoed to workers or raters). */
  reference: string | null
  completions: string[]
  /** Token count of each completion when the caller knows it (length verifier, unit tokens). */
  tokenCounts?: number[]
}

export interface CompletionVerdict {
  /** Reward in [0, 1] for most verifiers; null while pending or on error. */
  reward: number | null
  /** ok: scored. pending: waits on something (human ratings). error: the verifier failed (never a silent 0). */
  status: 'ok' | 'pending' | 'error'
  /** Per-part scores of a composite verifier (TRL-style rewards/<name>). */
  parts?: Record<string, number>
  /** What the verifier extracted from the completion (e.g. the final answer). */
  extracted?: string
  /** Both sides as compared (math: the normalised reference answer and prediction), so a 0 can be explained. */
  compared?: { reference: string; answer: string }
  reason?: string
}

export interface GroupVerdict {
  rewards: (number | null)[]
  details: CompletionVerdict[]
  /** ok when every completion is ok; pending if any is pending (and none errored); error if any errored. */
  status: 'ok' | 'pending' | 'error'
}

/** One rater's score of one completion (human verifier). */
export interface Rating {
  rater: string
  /** In [0, 1]. */
  score: number
}

/** Optional 3rd argument of verifyGroup: the outside world a verifier may need. */
export interface VerifyContext {
  /** fetch used by the http verifier (default: globalThis.fetch). */
  fetch?: typeof fetch
  /** Clock in ms (default Date.now); used for the time budget and the http verifier's timestamp header. */
  now?: () => number
  /** Human ratings per completion index (human verifier). */
  ratings?: (Rating[] | undefined)[]
  /** Secret values by reference name (http verifier's `secretRef`). */
  secrets?: Record<string, string>
  /** Time budget for the whole group call in ms (default DEFAULT_GROUP_TIMEOUT_MS). */
  timeoutMs?: number
}

/** Context handed to each scorer: the caller's context plus the deadline and a dispatcher for nested specs. */
export interface RunContext extends VerifyContext {
  now: () => number
  /** Absolute deadline (ms on `now`'s clock). */
  deadline: number
  /** Score a nested spec (weighted parts). */
  dispatch: (spec: unknown, input: VerifyInput) => Promise<CompletionVerdict[]>
}

/** A verifier: its zod spec and its scorer (one verdict per completion, same order). */
export interface VerifierDef<S> {
  score(spec: S, input: VerifyInput, ctx: RunContext): Promise<CompletionVerdict[]> | CompletionVerdict[]
}
