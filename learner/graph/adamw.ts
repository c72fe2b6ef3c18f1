/**
 * AdamW as graph ops, for the device path where parameters and moments stay on the GPU between steps
 * (the CPU default is the fused JS loop in learner/optim/adamw.ts; both implement the same update, and a test
 * checks they agree). Per tensor, with t = step ≥ 1 and clip from the global gradient norm over all tensors:
 *   ĝ  = g · clip                         clip = min(1, maxGradNorm / (‖g‖₂ + 1e-6)), 1 when clipping is off
 *   m' = β1 m + (1 − β1) ĝ
 *   v' = β2 v + (1 − β2) ĝ²
 *   p' = p · (1 − lr·wd) − (lr / (1 − β1ᵗ)) · m' / (sqrt(v') / sqrt(1 − β2ᵗ) + eps)   (decay only where spec.decay)
 * A non-finite gradient norm leaves p, m, v unchanged (the caller sees grad_norm and does not advance t).
 * `adamwUpdate` appends the update to any graph (e.g. a fused train step); `buildAdamWGraph` makes a
 * standalone update graph with the names below.
 */
import type { ParamSpec } from '../config.js'
import type { AdamWOptions } from '../optim/adamw.js'
import { Graph } from './graph.js'
import * as op from './ops.js'
import type { Value } from './types.js'

export interface AdamWTensor {
  param: Value
  grad: Value
  m: Value
  v: Value
  /** apply decoupled weight decay (matrices yes; norms and biases no). */
  decay: boolean
}

export interface AdamWUpdate {
  params: Value[]
  m: Value[]
  v: Value[]
  /** ‖g‖₂ over all tensors, before clipping (scalar). */
  gradNorm: Value
  /** the factor applied to the gradients (scalar). */
  clip: Value
}

/** Global L2 norm of a list of tensors (scalar). */
export function globalNorm(xs: readonly Value[]): Value {
  const sq = xs.map((x) => op.reduceSum(op.mul(x, x)))
  return op.sqrt(sq.reduce((a, b) => op.add(a, b)))
}

/** Append one AdamW update; `lr` and `step` are scalar float values (graph inputs, typically). */
export function adamwUpdate(ts: readonly AdamWTensor[], lr: Value, step: Value, o: AdamWOptions = {}): AdamWUpdate {
  const b1 = o.beta1 ?? 0.9
  const b2 = o.beta2 ?? 0.999
  const eps = o.eps ?? 1e-8
  const wd = o.weightDecay ?? 0
  const g = lr.graph
  const norm = globalNorm(ts.map((t) => t.grad))
  const clip = o.maxGradNorm ? op.min(1, op.div(o.maxGradNorm, op.add(norm, 1e-6))) : g.scalar(1, lr.dtype)
  const finite = op.less(norm, Infinity) // false for +inf and NaN
  const stepSize = op.div(lr, op.sub(1, op.pow(g.scalar(b1, lr.dtype), step)))
  const invSqrtBc2 = op.reciprocal(op.sqrt(op.sub(1, op.pow(g.scalar(b2, lr.dtype), step))))
  const keep = op.sub(1, op.mul(lr, wd))
  const out: AdamWUpdate = { params: [], m: [], v: [], gradNorm: norm, clip }
  for (const t of ts) {
    const gh = op.mul(t.grad, clip)
    const m = op.add(op.mul(t.m, b1), op.mul(gh, 1 - b1))
    const v = op.add(op.mul(t.v, b2), op.mul(op.mul(gh, gh), 1 - b2))
    const denom = op.add(op.mul(op.sqrt(v), invSqrtBc2), eps)
    const decayed = t.decay && wd > 0 ? op.mul(t.param, keep) : t.param
    const p = op.sub(decayed, op.div(op.mul(m, stepSize), denom))
    out.params.push(op.where(finite, p, t.param))
    out.m.push(op.where(finite, m, t.m))
    out.v.push(op.where(finite, v, t.v))
  }
  return out
}

/** Input/output names of the standalone AdamW graph for one tensor. */
export const adamwNames = (name: string) => ({
  param: name, grad: `grad.${name}`, m: `m.${name}`, v: `v.${name}`,
  newParam: `new.${name}`, newM: `new.m.${name}`, newV: `new.v.${name}`,
})

/**
 * Standalone update graph: inputs `<name>`, `grad.<name>`, `m.<name>`, `v.<name>` per spec, scalars `lr`,
 * `step`; outputs `new.<name>`, `new.m.<name>`, `new.v.<name>`, `grad_norm`, `clip`.
 */
export function buildAdamWGraph(specs: readonly ParamSpec[], o: AdamWOptions = {}, float: 'float32' | 'float64' = 'float32'): Graph {
  const g = new Graph({ float, name: 'adamw' })
  const ts = specs.map((s) => {
    const n = adamwNames(s.name)
    return { param: g.input(n.param, 'float', s.shape), grad: g.input(n.grad, 'float', s.shape), m: g.input(n.m, 'float', s.shape), v: g.input(n.v, 'float', s.shape), decay: s.decay }
  })
  const u = adamwUpdate(ts, g.input('lr', 'float', []), g.input('step', 'float', []), o)
  specs.forEach((s, i) => {
    const n = adamwNames(s.name)
    g.output(u.params[i], n.newParam)
    g.output(u.m[i], n.newM)
    g.output(u.v[i], n.newV)
  })
  g.output(u.gradNorm, 'grad_norm')
  g.output(u.clip, 'clip')
  return g
}
