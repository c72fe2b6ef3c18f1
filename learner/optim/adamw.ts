/**
 * AdamW (Loshchilov & Hutter; torch.optim.AdamW's update) as one fused plain-JS loop per tensor over
 * Float32Array — on CPU this beats a chain of ONNX elementwise ops (see notes/facts.md). Per element, step t ≥ 1:
 *   g  ← g · clip                                 clip = min(1, maxGradNorm / (‖g‖₂ + 1e-6)) over ALL tensors
 *   p  ← p · (1 − lr · weightDecay)               only for tensors whose ParamSpec.decay (not norms, biases)
 *   m  ← β1 m + (1 − β1) g
 *   v  ← β2 v + (1 − β2) g²
 *   p  ← p − (lr / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + eps)
 * A step whose gradient norm is not finite changes nothing (params, moments, t) and reports skipped.
 * Parameters may be updated in place or written to separate output buffers (ping-pong with graph fetches).
 */
import type { ParamSpec } from '../config.js'
import { numel } from '../io/safetensors.js'
import { clipScale, globalGradNorm } from './gradnorm.js'

export interface AdamWOptions {
  beta1?: number
  beta2?: number
  eps?: number
  weightDecay?: number
  /** global gradient-norm clip; undefined or 0 = off */
  maxGradNorm?: number
}

export interface AdamWStepResult {
  /** ‖g‖₂ before clipping */
  gradNorm: number
  /** factor applied to the gradients */
  clip: number
  /** true when the gradient norm was not finite and nothing changed */
  skipped: boolean
}

export class AdamW {
  readonly beta1: number
  readonly beta2: number
  readonly eps: number
  readonly weightDecay: number
  readonly maxGradNorm: number | undefined
  /** first and second moments, one per ParamSpec, same order */
  readonly m: Float32Array[]
  readonly v: Float32Array[]
  /** number of updates applied so far */
  t = 0

  constructor(readonly specs: readonly ParamSpec[], o: AdamWOptions = {}) {
    this.beta1 = o.beta1 ?? 0.9
    this.beta2 = o.beta2 ?? 0.999
    this.eps = o.eps ?? 1e-8
    this.weightDecay = o.weightDecay ?? 0
    this.maxGradNorm = o.maxGradNorm
    for (const [k, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const)
      if (!(b >= 0 && b < 1)) throw new RangeError(`AdamW: ${k} must be in [0, 1), got ${b}`)
    if (!(this.eps > 0)) throw new RangeError(`AdamW: eps must be > 0`)
    if (!(this.weightDecay >= 0)) throw new RangeError(`AdamW: weightDecay must be ≥ 0`)
    this.m = specs.map((s) => new Float32Array(numel(s.shape)))
    this.v = specs.map((s) => new Float32Array(numel(s.shape)))
  }

  /**
   * One update. params[i], grads[i] and out[i] follow `specs` order; out defaults to params (in place).
   * Gradients are not modified.
   */
  step(params: readonly Float32Array[], grads: readonly Float32Array[], lr: number, out: readonly Float32Array[] = params): AdamWStepResult {
    const n = this.specs.length
    if (params.length !== n || grads.length !== n || out.length !== n)
      throw new RangeError(`AdamW.step: expected ${n} params, grads and outputs`)
    for (let i = 0; i < n; i++) {
      const len = this.m[i].length
      if (params[i].length !== len || grads[i].length !== len || out[i].length !== len)
        throw new RangeError(`AdamW.step: ${this.specs[i].name} has the wrong length (expected ${len})`)
    }
    const gradNorm = globalGradNorm(grads)
    if (!Number.isFinite(gradNorm)) return { gradNorm, clip: 0, skipped: true }
    const clip = clipScale(gradNorm, this.maxGradNorm)
    const t = ++this.t
    const { beta1: b1, beta2: b2, eps } = this
    const stepSize = lr / (1 - b1 ** t)
    const invSqrtBc2 = 1 / Math.sqrt(1 - b2 ** t)
    for (let i = 0; i < n; i++) {
      const p = params[i]
      const g = grads[i]
      const q = out[i]
      const m = this.m[i]
      const v = this.v[i]
      const keep = this.specs[i].decay ? 1 - lr * this.weightDecay : 1
      for (let j = 0; j < p.length; j++) {
        const gj = g[j] * clip
        const mj = (m[j] = b1 * m[j] + (1 - b1) * gj)
        const vj = (v[j] = b2 * v[j] + (1 - b2) * gj * gj)
        q[j] = p[j] * keep - (stepSize * mj) / (Math.sqrt(vj) * invSqrtBc2 + eps)
      }
    }
    return { gradNorm, clip, skipped: false }
  }
}
