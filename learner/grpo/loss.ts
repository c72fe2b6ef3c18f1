/**
 * The GRPO objective on per-token log-probs (TRL GRPOTrainer 1.9's, written from its definitions):
 *   log w  = logπθ − logπold                            token level (old = logπθ detached when not given: w ≡ 1)
 *          = Σ_t (logπθ − logπold)·m / max(Σ_t m, 1)    sequence level (GSPO), one weight per row
 *   ρ      = exp(log w)                                 coef1
 *   ρ̂     = clip(ρ, 1 − ε, 1 + ε_high)                   coef2
 *   ρ      ← min(ρ, δ) when δ is set (after ρ̂ is taken)
 *   policy = −min(ρ·A_b, ρ̂·A_b)                         grpo / bnpo / dr_grpo / dapo
 *          = −sg(min(ρ, ε_high))·A_b·logπθ              cispo (clipped IS weight, stop-gradient; MiniMax-M1)
 *   policy ← policy · opsm_b                            off-policy sequence mask (when a threshold is set):
 *            opsm_b = A_b ≥ 0  or  Σ_t (logπ_sampler − sg(logπθ))·m / max(Σ_t m, 1) ≤ threshold
 *                     (logπ_sampler = sampling_logprobs, else old, as TRL)
 *   policy ← policy · token_weight                      host-computed weights (when fed): the top-entropy mask
 *                                                       times the sampler-mismatch IS weight (correction.ts)
 *   k3     = exp(ref − logπθ) − (ref − logπθ) − 1
 *   ℓ[b,t] = policy + β·k3
 * Aggregation with completion mask m and a fed normaliser N (so gradient accumulation is exact; see
 * normalizer.ts for the value of N per loss type):
 *   grpo     Σ_b (Σ_t ℓ·m / max(Σ_t m, 1)) / N          N = rows in the optimizer step's batch
 *   bnpo     (Σ ℓ·m / max(Σ m, 1)) / N                   N = micro-batches in the step (TRL: per micro-batch)
 *   dr_grpo  Σ ℓ·m / max_completion_length / N           N = rows in the step's batch
 *   dapo, cispo  Σ ℓ·m / N                               N = completion tokens in the step's batch
 * Metrics (this micro-batch, TRL names): kl (k3), clip_ratio low/high/region (ρ after the δ cap; low = ρ < 1−ε
 * with A < 0, high = ρ > 1+ε_high with A > 0; 0 for cispo), cispo_clip_ratio (ρ > ε_high with A > 0), entropy,
 * off_policy_masked (fraction of tokens the off-policy mask drops). Token-level quantities are masked token
 * means; at sequence level the ratio metrics are means over rows with completion tokens (TRL: over rows).
 *
 * Dimension legend: B rows, T sequence positions; S = T (token level) or 1 (sequence level).
 */
import { ops, type Value } from '../graph/index.js'
import { checkGrpoOptions, type GrpoLossOptions } from './options.js'

export interface GrpoLossInputs {
  /** [B,T] log πθ (from the graph) */
  logprobs: Value
  /** [B,T] 1 on completion tokens */
  mask: Value
  /** [B] */
  advantages: Value
  /** [B,T]; undefined = logprobs detached (ratio 1, gradient of A·ρ) */
  oldLogprobs?: Value
  /** [B,T]; needed when beta > 0 */
  refLogprobs?: Value
  /** [B,T] the sampler's log-probs, for the off-policy mask (default: old) */
  samplingLogprobs?: Value
  /** [B,T] per-token weights of the policy term (entropy mask × sampler IS weight; correction.ts) */
  tokenWeight?: Value
  /** [] the loss normaliser N */
  normalizer: Value
  /** [B,T] entropy for the metric (optional) */
  entropy?: Value
}

export interface GrpoLossOutputs {
  loss: Value
  kl: Value
  clipLow: Value
  clipHigh: Value
  clipRegion: Value
  cispoClip: Value
  offPolicyMasked: Value
  entropy?: Value
  /** Σ m (this micro-batch) */
  activeTokens: Value
}

/** Σ x·m / max(Σ m, 1) (scalar). */
export function maskedMean(x: Value, m: Value): Value {
  return ops.div(ops.reduceSum(ops.mul(x, m)), ops.max(ops.reduceSum(m), 1))
}

/** Per row Σ_t x·m / max(Σ_t m, 1).   x, m [B,T] → [B,1] */
function rowMean(x: Value, m: Value): Value {
  return ops.div(ops.reduceSum(ops.mul(x, m), [1], true), ops.max(ops.reduceSum(m, [1], true), 1))
}

export function grpoLoss(x: GrpoLossInputs, options: GrpoLossOptions): GrpoLossOutputs {
  const o = checkGrpoOptions(options)
  const { logprobs: logp, mask: m } = x
  const [B] = logp.shape
  if (x.advantages.shape.join() !== String(B)) throw new Error(`grpoLoss: advantages [${x.advantages.shape}] for ${B} rows`)
  const A = ops.unsqueeze(x.advantages, [1]) //                                              [B,1]
  const old = x.oldLogprobs ?? ops.stopGradient(logp)
  const logRatio = ops.sub(logp, old) //                                                     [B,T]
  const sequence = o.importanceSamplingLevel === 'sequence'
  const coef1 = ops.exp(sequence ? rowMean(logRatio, m) : logRatio) //                       [B,S]
  // metrics over tokens, or over the rows that have completion tokens (sequence level)
  const rows = ops.cast(ops.greater(ops.reduceSum(m, [1], true), 0), 'float') //             [B,1]
  const frac = (b: Value) => maskedMean(ops.cast(b, 'float'), sequence ? rows : m)
  const zero = m.graph.scalar(0)
  let policy: Value //                                                                       [B,S] or [B,T]
  let clipLow = zero
  let clipHigh = zero
  let clipRegion = zero
  let cispoClip = zero
  if (o.lossType === 'cispo') {
    const w = ops.stopGradient(ops.clip(coef1, undefined, o.epsilonHigh)) //                 [B,S]
    policy = ops.neg(ops.mul(ops.mul(w, A), logp)) //                                        [B,T]
    cispoClip = frac(ops.and(ops.greater(coef1, o.epsilonHigh), ops.greater(A, 0)))
  } else {
    const clipped = ops.clip(coef1, 1 - o.epsilon, 1 + o.epsilonHigh) //                    [B,S]
    const capped = o.delta === undefined ? coef1 : ops.clip(coef1, undefined, o.delta)
    policy = ops.neg(ops.min(ops.mul(capped, A), ops.mul(clipped, A))) //                    [B,S]
    const low = ops.and(ops.less(capped, 1 - o.epsilon), ops.less(A, 0))
    const high = ops.and(ops.greater(capped, 1 + o.epsilonHigh), ops.greater(A, 0))
    ;[clipLow, clipHigh, clipRegion] = [frac(low), frac(high), frac(ops.or(low, high))]
  }
  let offPolicyMasked = zero
  if (o.offPolicyMaskThreshold !== undefined) {
    const drift = rowMean(ops.sub(x.samplingLogprobs ?? old, ops.stopGradient(logp)), m) //  [B,1]
    const keep = ops.cast(ops.or(ops.greaterOrEqual(A, 0), ops.lessOrEqual(drift, o.offPolicyMaskThreshold)), 'float') // [B,1]
    policy = ops.mul(policy, keep)
    offPolicyMasked = maskedMean(ops.sub(1, ops.mul(keep, m)), m)
  }
  if (x.tokenWeight) policy = ops.mul(policy, x.tokenWeight) //                              [B,T]
  let ptl = policy
  let kl: Value | undefined
  if (o.beta > 0 || x.refLogprobs) {
    if (!x.refLogprobs) throw new Error('grpoLoss: beta > 0 needs reference log-probs')
    const d = ops.sub(x.refLogprobs, logp)
    const k3 = ops.sub(ops.sub(ops.exp(d), d), 1) //                                          [B,T]
    if (o.beta > 0) ptl = ops.add(ptl, ops.mul(k3, o.beta))
    kl = maskedMean(k3, m)
  }
  const masked = ops.mul(ptl, m) //                                                          [B,T]
  let total: Value
  switch (o.lossType) {
    case 'grpo': total = ops.reduceSum(rowMean(ptl, m)); break
    case 'bnpo': total = ops.div(ops.reduceSum(masked), ops.max(ops.reduceSum(m), 1)); break
    case 'dr_grpo': total = ops.div(ops.reduceSum(masked), o.maxCompletionLength!); break
    case 'dapo':
    case 'cispo': total = ops.reduceSum(masked); break
  }
  return {
    loss: ops.div(total, x.normalizer),
    kl: kl ?? zero,
    clipLow,
    clipHigh,
    clipRegion,
    cispoClip,
    offPolicyMasked,
    entropy: x.entropy ? maskedMean(x.entropy, m) : undefined,
    activeTokens: ops.reduceSum(m),
  }
}

/** Supervised cross-entropy: −Σ logp·m / N (N = target tokens in the step's batch). */
export function sftLoss(logprobs: Value, mask: Value, normalizer: Value): Value {
  return ops.div(ops.neg(ops.reduceSum(ops.mul(logprobs, mask))), normalizer)
}
