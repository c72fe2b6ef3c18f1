/**
 * Per-token log-probs and entropy from hidden states, with Cohort's convention (learner/sample/sample.ts):
 *   logprobs[b,t] = log_softmax(logits[b,t−1] / temperature)[ids[b,t]]   for t ≥ 1, 0 at t = 0
 *   entropy[b,t]  = −Σ_v p·log p of that same distribution               for t ≥ 1, 0 at t = 0
 * Efficiency: only positions t ≥ `from` are scored (callers pass the first completion column, so prompt
 * positions never reach the LM head); the temperature divides the hidden state [B,T',D] before the head, not
 * the logits [B,T',V]; the [B,T',V] block exists once as logits and once as log-softmax (the token pick is a
 * GatherElements on it), and the entropy reuses that log-softmax.
 *
 * Dimension legend: B batch, T sequence, T' = T − from scored positions, D hidden, V vocab.
 */
import type { ModelConfig } from '../config.js'
import { ops, type Value } from '../graph/index.js'
import { lmHead } from './forward.js'
import type { Params } from './params.js'

export interface TokenScoreOptions {
  /** scalar temperature (a graph input or constant); undefined = 1 */
  temperature?: Value
  /** first scored position, 1 ≤ from < T (default 1); outputs are 0 before it */
  from?: number
  /** also compute the entropy (default true) */
  entropy?: boolean
}

export interface TokenScores {
  /** [B,T] */
  logprobs: Value
  /** [B,T] (when asked) */
  entropy?: Value
}

export function tokenLogprobs(cfg: ModelConfig, params: Params, hidden: Value, ids: Value, o: TokenScoreOptions = {}): TokenScores {
  const [B, T] = ids.shape
  const from = o.from ?? 1
  if (!(Number.isInteger(from) && from >= 1 && from < T)) throw new Error(`tokenLogprobs: from must be an integer in [1, ${T - 1}], got ${from}`)
  let h = ops.slice(hidden, [from - 1], [T - 1], [1]) //                                     [B,T',D]
  if (o.temperature) h = ops.div(h, o.temperature)
  const lsm = ops.logSoftmax(lmHead(cfg, params, h), -1) //                                  [B,T',V]
  const targets = ops.unsqueeze(ops.slice(ids, [from], [T], [1]), [2]) //                    [B,T',1]
  const tok = ops.reshape(ops.gatherElements(lsm, targets, 2), [B, T - from]) // [B,T']
  const front = (x: Value) => ops.pad(x, [0, from, 0, 0]) //                                  [B,T]
  const out: TokenScores = { logprobs: front(tok) }
  if (o.entropy ?? true) out.entropy = front(ops.neg(ops.reduceSum(ops.mul(ops.exp(lsm), lsm), [-1]))) // [B,T]
  return out
}
