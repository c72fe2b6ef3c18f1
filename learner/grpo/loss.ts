/**
 * The GRPO objective on per-token log-probs (TRL GRPOTrainer's, written from its definitions):
 *   ρ      = exp(logπθ − logπold)                        coef1 (old = logπθ detached when not given: ρ ≡ 1)
 *   ρ̂     = clip(ρ, 1 − ε, 1 + ε_high)                   coef2
 *   ρ      ← min(ρ, δ) when δ is set (after ρ̂ is taken)
 *   k3     = exp(ref − logπθ) − (ref − logπθ) − 1
 *   ℓ[b,t] = −min(ρ·A_b, ρ̂·A_b) + β·k3
 * Aggregation with completion mask m and a fed normaliser N (so gradient accumulation is exact; see
 * normalizer.ts for the value of N per loss type):
 *   grpo     Σ_b (Σ_t ℓ·m / max(Σ_t m, 1)) / N          N = rows in the optimizer step's batch
 *   bnpo     (Σ ℓ·m / max(Σ m, 1)) / N                   N = micro-batches in the step (TRL: per micro-batch)
 *   dr_grpo  Σ ℓ·m / max_completion_length / N           N = rows in the step's batch
 *   dapo     Σ ℓ·m / N                                   N = completion tokens in the step's batch
 * Metrics (masked means over this micro-batch, TRL names): kl (k3), clip_ratio low/high/region (ρ after the
 * δ cap; low = ρ < 1−ε with A < 0, high = ρ > 1+ε_high with A > 0), entropy.
 *
 * Dimension legend: B rows, T sequence positions.
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
  entropy?: Value
  /** Σ m (this micro-batch) */
  activeTokens: Value
}

/** Σ x·m / max(Σ m, 1) (scalar). */
export function maskedMean(x: Value, m: Value): Value {
  return ops.div(ops.reduceSum(ops.mul(x, m)), ops.max(ops.reduceSum(m), 1))
}

export function grpoLoss(x: GrpoLossInputs, options: GrpoLossOptions): GrpoLossOutputs {
  const o = checkGrpoOptions(options)
  const { logprobs: logp, mask: m } = x
  const [B] = logp.shape
  if (x.advantages.shape.join() !== String(B)) throw new Error(`grpoLoss: advantages [${x.advantages.shape}] for ${B} rows`)
  const A = ops.unsqueeze(x.advantages, [1]) //                                              [B,1]
  const old = x.oldLogprobs ?? ops.stopGradient(logp)
  const ratio = ops.exp(ops.sub(logp, old)) //                                               [B,T]
  const clipped = ops.clip(ratio, 1 - o.epsilon, 1 + o.epsilonHigh) //                      [B,T]
  const coef1 = o.delta === undefined ? ratio : ops.clip(ratio, undefined, o.delta)
  let ptl = ops.neg(ops.min(ops.mul(coef1, A), ops.mul(clipped, A))) //                      [B,T]
  let kl: Value | undefined
  if (o.beta > 0 || x.refLogprobs) {
    if (!x.refLogprobs) throw new Error('grpoLoss: beta > 0 needs reference log-probs')
    const d = ops.sub(x.refLogprobs, logp)
    const k3 = ops.sub(ops.sub(ops.exp(d), d), 1) //                                          [B,T]
    if (o.beta > 0) ptl = ops.add(ptl, ops.mul(k3, o.beta))
    kl = maskedMean(k3, m)
  }
  const summed = ops.reduceSum(ops.mul(ptl, m)) //                                           []
  let total: Value
  switch (o.lossType) {
    case 'grpo': {
      const perRow = ops.div(ops.reduceSum(ops.mul(ptl, m), [1]), ops.max(ops.reduceSum(m, [1]), 1)) // [B]
      total = ops.reduceSum(perRow)
      break
    }
    case 'bnpo': total = ops.div(summed, ops.max(ops.reduceSum(m), 1)); break
    case 'dr_grpo': total = ops.div(summed, o.maxCompletionLength!); break
    case 'dapo': total = summed; break
  }
  const low = ops.and(ops.less(coef1, 1 - o.epsilon), ops.less(A, 0))
  const high = ops.and(ops.greater(coef1, 1 + o.epsilonHigh), ops.greater(A, 0))
  const frac = (b: Value) => maskedMean(ops.cast(b, 'float'), m)
  return {
    loss: ops.div(total, x.normalizer),
    kl: kl ?? m.graph.scalar(0),
    clipLow: frac(low),
    clipHigh: frac(high),
    clipRegion: frac(ops.or(low, high)),
    entropy: x.entropy ? maskedMean(x.entropy, m) : undefined,
    activeTokens: ops.reduceSum(m),
  }
}

/** Supervised cross-entropy: −Σ logp·m / N (N = target tokens in the step's batch). */
export function sftLoss(logprobs: Value, mask: Value, normalizer: Value): Value {
  return ops.div(ops.neg(ops.reduceSum(ops.mul(logprobs, mask))), normalizer)
}
