/**
 * Per-token log-probs and entropy from hidden states, with Cohort's convention (learner/sample/sample.ts):
 *   logprobs[b,t] = log_softmax(logits[b,t−1] / temperature)[ids[b,t]]   for t ≥ 1, 0 at t = 0
 *   entropy[b,t]  = −Σ_v p·log p of that same distribution               for t ≥ 1, 0 at t = 0
 * Efficiency: only positions t ≥ `from` are scored (callers pass the first completion column, so prompt
 * positions never reach the LM head); the temperature divides the hidden state [B,T',D] before the head, not
 * the logits [B,T',V]. The log-softmax is never materialised: the pick is z[id] − logsumexp(z) (one stable
 * ORT reduction), and its backward is fused by hand (ops.customGradient): d/dz = g·(onehot(id) − softmax(z)),
 * built as one Softmax, one Mul and one ScatterElements(add) over [B,T',V] instead of the generic rules'
 * zeros + scatter + LogSoftmax backward (six passes). The entropy reuses that softmax: H = lse − Σ_v p·z.
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

/**
 * log_softmax(z)[id] along the last axis, with its fused backward; also the softmax it builds (for the entropy).
 *   z [..., V], ids [..., 1] int64 → [..., 1]
 */
export function logSoftmaxPick(z: Value, ids: Value): { picked: Value; lse: Value; probs: () => Value } {
  const axis = z.shape.length - 1
  const lse = ops.reduceLogSumExp(z, [axis], true) //                                       [...,1]
  let p: Value | undefined
  const probs = () => (p ??= ops.softmax(z, axis)) //                                       [...,V] built at most once
  const picked = ops.sub(ops.gatherElements(z, ids, axis), lse) //                          [...,1]
  ops.customGradient(picked, [z], (g) => [ops.scatterElementsAdd(ops.mul(probs(), ops.neg(g)), ids, g, axis)])
  return { picked, lse, probs }
}

export function tokenLogprobs(cfg: ModelConfig, params: Params, hidden: Value, ids: Value, o: TokenScoreOptions = {}): TokenScores {
  const [B, T] = ids.shape
  const from = o.from ?? 1
  if (!(Number.isInteger(from) && from >= 1 && from < T)) throw new Error(`tokenLogprobs: from must be an integer in [1, ${T - 1}], got ${from}`)
  let h = ops.slice(hidden, [from - 1], [T - 1], [1]) //                                     [B,T',D]
  if (o.temperature) h = ops.div(h, o.temperature)
  const z = lmHead(cfg, params, h) //                                                        [B,T',V]
  const targets = ops.unsqueeze(ops.slice(ids, [from], [T], [1]), [2]) //                    [B,T',1]
  const s = logSoftmaxPick(z, targets)
  const front = (x: Value) => ops.pad(x, [0, from, 0, 0]) //                                  [B,T]
  const out: TokenScores = { logprobs: front(ops.reshape(s.picked, [B, T - from])) }
  if (o.entropy ?? true) {
    const pz = ops.reduceSum(ops.mul(s.probs(), z), [-1], true) //                           [B,T',1]
    out.entropy = front(ops.reshape(ops.sub(s.lse, pz), [B, T - from])) //                   [B,T]
  }
  return out
}
