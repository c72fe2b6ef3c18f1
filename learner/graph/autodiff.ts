/**
 * Reverse-mode autodiff over a Graph: `grad(graph, loss, wrt)` appends the backward pass (built from the
 * rules in gradients.ts) and returns d loss / d wrt[i], each shaped like wrt[i]. Only nodes on a path from
 * `wrt` to `loss` are differentiated; fan-out gradients are summed; a node on that path whose op has no rule
 * throws at build time naming the op. A node with a custom rule (ops.customGradient) sends its gradient to its
 * `gradInputs` directly, so the nodes it fuses are never differentiated one by one.
 */
import type { Graph } from './graph.js'
import type { Value } from './types.js'
import { isFloat } from './types.js'
import * as op from './ops.js'
import { GRADIENTS, NON_DIFFERENTIABLE } from './gradients.js'

export interface GradOptions {
  /** upstream gradient of `loss` (default: ones, i.e. d sum(loss)). */
  seed?: Value
}

/** Append the backward pass of `loss` w.r.t. `wrt` to `graph`; returns one gradient per `wrt` value. */
export function grad(graph: Graph, loss: Value, wrt: readonly Value[], opts: GradOptions = {}): Value[] {
  for (const w of wrt) if (!isFloat(w.dtype)) throw new Error(`grad: ${w.name} is ${w.dtype}; only float values have gradients`)
  if (!isFloat(loss.dtype)) throw new Error(`grad: loss ${loss.name} is ${loss.dtype}, not float`)

  // forward sweep: values that depend (differentiably) on wrt
  const live = new Set<Value>(wrt)
  const nodes = graph.nodes.slice() // snapshot: the backward pass appends to graph.nodes
  for (const n of nodes) {
    if (n.noGrad || NON_DIFFERENTIABLE.has(n.op) || !n.inputs.some((v) => live.has(v))) continue
    for (const o of n.outputs) if (isFloat(o.dtype)) live.add(o)
  }
  if (!live.has(loss)) return wrt.map((w) => op.zerosLike(w))

  // backward sweep in reverse topological order
  const grads = new Map<Value, Value>()
  const seed = opts.seed ?? op.onesLike(loss)
  if (seed.shape.join() !== loss.shape.join()) throw new Error(`grad: seed shape [${seed.shape}] ≠ loss shape [${loss.shape}]`)
  grads.set(loss, seed)
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]
    const gOut = grads.get(n.outputs[0])
    const ins = n.gradInputs ?? n.inputs
    if (!gOut || !ins.some((v) => live.has(v))) continue
    const rule = n.vjp ? () => n.vjp!(gOut) : GRADIENTS[n.op]
    if (!rule) throw new Error(`autodiff: no gradient rule for op "${n.op}" (node producing ${n.outputs[0].name}); add one to GRADIENTS in learner/graph/gradients.ts`)
    const gIn = rule(n, gOut)
    ins.forEach((v, k) => {
      const gv = gIn[k]
      if (!gv || !live.has(v)) return
      if (gv.shape.join() !== v.shape.join()) throw new Error(`autodiff: ${n.op} rule gave [${gv.shape}] for input [${v.shape}]`)
      const prev = grads.get(v)
      grads.set(v, prev ? op.add(prev, gv) : gv)
    })
  }
  return wrt.map((w) => grads.get(w) ?? op.zerosLike(w))
}
