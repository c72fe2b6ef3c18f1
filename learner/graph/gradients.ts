/**
 * Vector-Jacobian rules, one table keyed by ONNX op type (tinygrad gradient.py style). A rule receives the
 * forward node and the gradient of its (single) output and returns one gradient per node input (undefined =
 * none: integer/bool inputs, constants such as axes or exponents). Broadcasting is undone by `unbroadcast`,
 * which sums a gradient back down to its input's shape. Ops whose outputs carry no gradient (comparisons,
 * argMax, sign…) are listed in NON_DIFFERENTIABLE; anything in neither set makes autodiff throw.
 */
import * as op from './ops.js'
import type { Node, Shape, Value } from './types.js'
import { isFloat, numel } from './types.js'
import { broadcastAxes, sameShape } from './shape.js'

export type VjpRule = (node: Node, g: Value) => (Value | undefined)[]

/** Sum `g` (shaped like a broadcast result) back to `shape`. */
export function unbroadcast(g: Value, shape: Shape): Value {
  if (sameShape(g.shape, shape)) return g
  const axes = broadcastAxes(shape, g.shape)
  const s = op.reduceSum(g, axes, true)
  return sameShape(s.shape, shape) ? s : op.reshape(s, [...shape])
}

/** The int64 values of a constant input (axes, starts, k…); throws when the input is not a constant. */
function constInts(node: Node, i: number): number[] {
  const v = node.inputs[i]
  if (!v?.data) throw new Error(`autodiff: ${node.op} input ${i} must be a constant for its gradient rule`)
  return Array.from(v.data as ArrayLike<number | bigint>, Number)
}

/** Gradient of a reduction: put `g` back at keepdims shape and broadcast over the reduced axes. */
function spreadReduced(node: Node, g: Value): { gk: Value; axes: number[] } {
  const x = node.inputs[0]
  const axes = constInts(node, 1)
  const keepShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
  const gk = node.attrs.keepdims === 0 ? op.reshape(g, keepShape) : g
  return { gk, axes }
}

/** Min/Max: the gradient goes to the selected operand (ties to the first). */
const selectRule = (pick: (a: Value, b: Value) => Value): VjpRule => ({ inputs: [a, b] }, g) => {
  const m = pick(a, b)
  return [unbroadcast(op.where(m, g, 0), a.shape), unbroadcast(op.where(m, 0, g), b.shape)]
}

/** Inverse of a positive-step slice along one axis: zeros everywhere but the sliced positions. */
function unslice(g: Value, axis: number, start: number, step: number, dim: number): Value {
  let h = g
  const n = g.shape[axis]
  if (step > 1) {
    // [.., n, ..] → [.., n, step, ..] (value then step-1 zeros) → [.., n·step, ..]
    const u = op.unsqueeze(h, [axis + 1])
    const pads = new Array(2 * u.shape.length).fill(0)
    pads[u.shape.length + axis + 1] = step - 1
    const p = op.pad(u, pads)
    h = op.reshape(p, h.shape.map((d, i) => (i === axis ? n * step : d)))
    const keep = Math.min(n * step, dim - start)
    if (keep < n * step) h = op.slice(h, [0], [keep], [axis])
  }
  const pads = new Array(2 * h.shape.length).fill(0)
  pads[axis] = start
  pads[h.shape.length + axis] = dim - start - h.shape[axis]
  return pads.every((p) => p === 0) ? h : op.pad(h, pads)
}

export const GRADIENTS: Record<string, VjpRule> = {
  Identity: (_n, g) => [g],
  Add: ({ inputs: [a, b] }, g) => [unbroadcast(g, a.shape), unbroadcast(g, b.shape)],
  Sub: ({ inputs: [a, b] }, g) => [unbroadcast(g, a.shape), unbroadcast(op.neg(g), b.shape)],
  Mul: ({ inputs: [a, b] }, g) => [unbroadcast(op.mul(g, b), a.shape), unbroadcast(op.mul(g, a), b.shape)],
  Div: ({ inputs: [a, b], outputs: [y] }, g) => {
    const ga = op.div(g, b)
    return [unbroadcast(ga, a.shape), unbroadcast(op.neg(op.mul(ga, y)), b.shape)]
  },
  Pow: (node, g) => {
    const [x, p] = node.inputs
    if (!p.data) throw new Error('autodiff: Pow needs a constant exponent for its gradient rule')
    const pm1 = x.graph.constant(Array.from(p.data as Float64Array, (v) => v - 1), p.shape, p.dtype)
    return [unbroadcast(op.mul(g, op.mul(op.pow(x, pm1), p)), x.shape), undefined]
  },
  Neg: (_n, g) => [op.neg(g)],
  Exp: ({ outputs: [y] }, g) => [op.mul(g, y)],
  Log: ({ inputs: [x] }, g) => [op.div(g, x)],
  Sqrt: ({ outputs: [y] }, g) => [op.div(op.mul(g, 0.5), y)],
  Reciprocal: ({ outputs: [y] }, g) => [op.neg(op.mul(g, op.mul(y, y)))],
  Tanh: ({ outputs: [y] }, g) => [op.mul(g, op.sub(1, op.mul(y, y)))],
  Sigmoid: ({ outputs: [y] }, g) => [op.mul(g, op.mul(y, op.sub(1, y)))],
  Sin: ({ inputs: [x] }, g) => [op.mul(g, op.cos(x))],
  Cos: ({ inputs: [x] }, g) => [op.neg(op.mul(g, op.sin(x)))],
  Abs: ({ inputs: [x] }, g) => [op.mul(g, op.sign(x))],
  Cast: ({ inputs: [x] }, g) => [isFloat(x.dtype) ? (g.dtype === x.dtype ? g : op.cast(g, x.dtype)) : undefined],
  Softmax: ({ outputs: [y], attrs }, g) => {
    const axis = attrs.axis as number
    return [op.mul(y, op.sub(g, op.reduceSum(op.mul(g, y), [axis], true)))]
  },
  LogSoftmax: ({ inputs: [x], attrs }, g) => {
    const axis = attrs.axis as number
    // softmax(x) rather than exp(y): ORT's Softmax kernel is ~2× faster than its Exp on [N,V]
    return [op.sub(g, op.mul(op.softmax(x, axis), op.reduceSum(g, [axis], true)))]
  },
  ReduceSum: (node, g) => {
    const { gk } = spreadReduced(node, g)
    return [op.expand(gk, [...node.inputs[0].shape]), undefined]
  },
  ReduceMean: (node, g) => {
    const x = node.inputs[0]
    const { gk, axes } = spreadReduced(node, g)
    const count = axes.reduce((c, a) => c * x.shape[a], 1)
    return [op.expand(op.div(gk, count), [...x.shape]), undefined]
  },
  ReduceMax: (node, g) => {
    const x = node.inputs[0]
    const { gk, axes } = spreadReduced(node, g)
    const yk = node.attrs.keepdims === 0 ? op.reshape(node.outputs[0], [...gk.shape]) : node.outputs[0]
    const mask = op.cast(op.equal(x, yk), x.dtype) // ties share the gradient equally
    const count = op.reduceSum(mask, axes, true)
    return [op.mul(mask, op.div(gk, count)), undefined]
  },
  MatMul: ({ inputs: [a, b] }, g) => [
    unbroadcast(op.matMul(g, op.transposeLast2(b)), a.shape),
    b.shape.length === 2 && a.shape.length > 2
      ? // a linear layer: fold the batch into rows, [K,N] = aᵀ[K,(…M)] · g[(…M),N] — no [batch,K,N] temporary
        op.matMul(op.transposeLast2(op.reshape(a, [-1, a.shape[a.shape.length - 1]])), op.reshape(g, [-1, g.shape[g.shape.length - 1]]))
      : unbroadcast(op.matMul(op.transposeLast2(a), g), b.shape),
  ],
  Gather: ({ inputs: [x, idx], attrs }, g) => {
    // g: x[:a] + I + x[a+1:] → I + x[:a] + x[a+1:] → [N, pre…, post…]; scatter-add rows into [x_a, pre…, post…]
    const a = attrs.axis as number
    const ri = idx.shape.length
    const pre = x.shape.slice(0, a)
    const post = x.shape.slice(a + 1)
    const perm = [...Array(ri).keys()].map((i) => a + i).concat([...Array(a).keys()], [...Array(post.length).keys()].map((i) => a + ri + i))
    const gt = op.reshape(op.transpose(g, perm), [numel(idx.shape), ...pre, ...post])
    const rows = op.reshape(idx.dtype === 'int64' ? idx : op.cast(idx, 'int64'), [numel(idx.shape), 1])
    const acc = op.scatterNDAdd(op.fill(g, [x.shape[a], ...pre, ...post], 0), rows, gt)
    const back = a === 0 ? acc : op.transpose(acc, [...Array(a).keys()].map((i) => i + 1).concat([0], post.map((_, i) => a + 1 + i)))
    return [back, undefined]
  },
  GatherElements: ({ inputs: [x, idx], attrs }, g) => [op.scatterElementsAdd(op.zerosLike(x), idx, g, attrs.axis as number), undefined],
  GatherND: ({ inputs: [x, idx] }, g) => [op.scatterNDAdd(op.zerosLike(x), idx, g), undefined],
  ScatterND: ({ inputs: [, idx], attrs }, g) => {
    if (attrs.reduction !== 'add') throw new Error('autodiff: ScatterND gradient only for reduction=add')
    return [g, undefined, op.gatherND(g, idx)]
  },
  ScatterElements: ({ inputs: [, idx], attrs }, g) => {
    if (attrs.reduction !== 'add') throw new Error('autodiff: ScatterElements gradient only for reduction=add')
    return [g, undefined, op.gatherElements(g, idx, attrs.axis as number)]
  },
  Reshape: ({ inputs: [x] }, g) => [op.reshape(g, [...x.shape]), undefined],
  Unsqueeze: ({ inputs: [x] }, g) => [op.reshape(g, [...x.shape]), undefined],
  Squeeze: ({ inputs: [x] }, g) => [op.reshape(g, [...x.shape]), undefined],
  Transpose: ({ attrs }, g) => {
    const perm = attrs.perm as number[]
    const inv = perm.map((_, i) => perm.indexOf(i))
    return [op.transpose(g, inv)]
  },
  Expand: ({ inputs: [x] }, g) => [unbroadcast(g, x.shape), undefined],
  Slice: (node, g) => {
    const x = node.inputs[0]
    const [starts, axes, steps] = [constInts(node, 1), constInts(node, 3), constInts(node, 4)]
    let h = g
    axes.forEach((a, i) => { h = unslice(h, a, starts[i], steps[i], x.shape[a]) })
    return [h, undefined, undefined, undefined, undefined]
  },
  Pad: (node, g) => {
    const x = node.inputs[0]
    const pads = constInts(node, 1)
    if (node.attrs.mode !== 'constant') throw new Error('autodiff: Pad gradient only for mode=constant')
    const r = x.shape.length
    return [op.slice(g, pads.slice(0, r), pads.slice(0, r).map((p, i) => p + x.shape[i]), [...Array(r).keys()]), undefined, undefined]
  },
  Concat: ({ inputs, attrs }, g) => {
    const a = attrs.axis as number
    let off = 0
    return inputs.map((x) => {
      const s = op.slice(g, [off], [off + x.shape[a]], [a])
      off += x.shape[a]
      return s
    })
  },
  Where: ({ inputs: [c, a, b] }, g) => [undefined, unbroadcast(op.where(c, g, 0), a.shape), unbroadcast(op.where(c, 0, g), b.shape)],
  Min: selectRule(op.lessOrEqual),
  Max: selectRule(op.greaterOrEqual),
  Clip: ({ inputs: [x, lo, hi] }, g) => {
    let m: Value | undefined
    if (lo) m = op.greaterOrEqual(x, lo)
    if (hi) m = m ? op.and(m, op.lessOrEqual(x, hi)) : op.lessOrEqual(x, hi)
    return [m ? op.where(m, g, 0) : g, undefined, undefined]
  },
  Trilu: (node, g) => [op.trilu(g, node.attrs.upper === 1, constInts(node, 1)[0]), undefined],
  CumSum: (node, g) => [op.cumSum(g, constInts(node, 1)[0], node.attrs.exclusive === 1, node.attrs.reverse !== 1), undefined],
}

/** Ops whose outputs carry no gradient (piecewise constant or non-float outputs). */
export const NON_DIFFERENTIABLE: ReadonlySet<string> = new Set([
  'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Not', 'ArgMax', 'Sign', 'Shape', 'Range', 'ConstantOfShape',
])
