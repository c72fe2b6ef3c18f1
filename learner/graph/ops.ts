/**
 * Typed op helpers: each appends one ONNX node (opset 18, see OPSET) to the graph of its first Value input,
 * infers the static output shape/dtype (numpy broadcasting for elementwise ops) and checks its arguments.
 * Numbers are accepted where a tensor operand is expected and become scalar constants of the other operand's
 * dtype. Axes/shapes that ONNX takes as inputs at opset 18 are passed here as plain arrays and emitted as int64
 * constants.
 */
import type { DType, DTypeSpec, Shape, Value } from './types.js'
import { fmtShape, isFloat, numel } from './types.js'
import { broadcastShapes, normAxis } from './shape.js'

/** The one ai.onnx opset every graph is emitted with (Reduce* take axes as inputs from 18 on). */
export const OPSET = 18

export type Operand = Value | number

const graphOf = (...xs: Operand[]) => {
  const v = xs.find((x): x is Value => typeof x !== 'number')
  if (!v) throw new Error('op needs at least one tensor operand')
  return v.graph
}

/** A number operand becomes a scalar constant of dtype `like`. */
export function lift(x: Operand, like: Value): Value {
  return typeof x === 'number' ? like.graph.scalar(x, like.dtype) : x
}

const ints = (v: Value, xs: readonly number[]) => v.graph.constant(xs, [xs.length], 'int64')

function node1(op: string, inputs: Value[], dtype: DType, shape: Shape, attrs = {}): Value {
  return inputs[0].graph.addNode(op, inputs, [{ dtype, shape }], attrs)[0]
}

function needFloat(op: string, x: Value) {
  if (!isFloat(x.dtype)) throw new Error(`${op}: needs a float tensor, got ${x.dtype}`)
}

// ---------------------------------------------------------------- elementwise

function binary(op: string, a: Operand, b: Operand, outDtype?: DType): Value {
  const g = graphOf(a, b)
  const av = typeof a === 'number' ? g.scalar(a, (b as Value).dtype) : a
  const bv = lift(b, av)
  if (av.dtype !== bv.dtype) throw new Error(`${op}: dtype mismatch ${av.dtype} vs ${bv.dtype}`)
  return node1(op, [av, bv], outDtype ?? av.dtype, broadcastShapes(op, av.shape, bv.shape))
}

export const add = (a: Operand, b: Operand) => binary('Add', a, b)
export const sub = (a: Operand, b: Operand) => binary('Sub', a, b)
export const mul = (a: Operand, b: Operand) => binary('Mul', a, b)
export const div = (a: Operand, b: Operand) => binary('Div', a, b)
/** x ** p; the gradient rule needs p constant (a number or a constant tensor). */
export const pow = (x: Value, p: Operand) => binary('Pow', x, p)
export const min = (a: Operand, b: Operand) => binary('Min', a, b)
export const max = (a: Operand, b: Operand) => binary('Max', a, b)
export const equal = (a: Operand, b: Operand) => binary('Equal', a, b, 'bool')
export const less = (a: Operand, b: Operand) => binary('Less', a, b, 'bool')
export const lessOrEqual = (a: Operand, b: Operand) => binary('LessOrEqual', a, b, 'bool')
export const greater = (a: Operand, b: Operand) => binary('Greater', a, b, 'bool')
export const greaterOrEqual = (a: Operand, b: Operand) => binary('GreaterOrEqual', a, b, 'bool')
export const and = (a: Value, b: Value) => binary('And', a, b)
export const or = (a: Value, b: Value) => binary('Or', a, b)

function unary(op: string, x: Value, float = true): Value {
  if (float) needFloat(op, x)
  return node1(op, [x], x.dtype, x.shape)
}

export const neg = (x: Value) => unary('Neg', x, false)
export const exp = (x: Value) => unary('Exp', x)
export const log = (x: Value) => unary('Log', x)
export const sqrt = (x: Value) => unary('Sqrt', x)
export const reciprocal = (x: Value) => unary('Reciprocal', x)
export const tanh = (x: Value) => unary('Tanh', x)
export const sigmoid = (x: Value) => unary('Sigmoid', x)
export const sin = (x: Value) => unary('Sin', x)
export const cos = (x: Value) => unary('Cos', x)
export const abs = (x: Value) => unary('Abs', x, false)
export const sign = (x: Value) => unary('Sign', x, false)
export const identity = (x: Value) => unary('Identity', x, false)
export const not = (x: Value) => unary('Not', x, false)

/** The value itself, but autodiff sees a constant (torch's detach): no gradient flows through. */
export function stopGradient(x: Value): Value {
  const y = unary('Identity', x, false)
  y.producer!.noGrad = true
  return y
}
/** U[0, 1) noise shaped like x, drawn afresh at every run (RandomUniformLike); carries no gradient. */
export function randomUniformLike(x: Value): Value {
  needFloat('RandomUniformLike', x)
  const y = node1('RandomUniformLike', [x], x.dtype, x.shape, { dtype: ONNX_DTYPE[x.dtype] })
  y.producer!.noGrad = true
  return y
}
/**
 * y, whose gradient autodiff takes from `rule(g)` — one gradient per value of `inputs`, values upstream of y —
 * instead of differentiating the nodes between them (a fused backward, e.g. log-softmax + pick).
 */
export function customGradient(y: Value, inputs: Value[], rule: (g: Value) => (Value | undefined)[]): Value {
  const n = y.producer
  if (!n || n.outputs.length !== 1) throw new Error('customGradient: y must be the single output of a node')
  n.vjp = rule
  n.gradInputs = inputs
  return y
}
/** SiLU = x·sigmoid(x) (Llama's MLP activation), composed so the generic rules differentiate it. */
export const silu = (x: Value) => mul(x, sigmoid(x))

/** Cast to another dtype ('float' = the graph's float type). */
export function cast(x: Value, to: DTypeSpec): Value {
  const dt = x.graph.dtype(to)
  return node1('Cast', [x], dt, x.shape, { to: ONNX_DTYPE[dt] })
}

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 }

/** where(cond, a, b): elementwise select with three-way broadcasting (two numbers give the graph's float type). */
export function where(cond: Value, a: Operand, b: Operand): Value {
  if (cond.dtype !== 'bool') throw new Error(`Where: condition must be bool, got ${cond.dtype}`)
  const g = cond.graph
  const dt = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? b.dtype : g.floatType
  const av = typeof a === 'number' ? g.scalar(a, dt) : a
  const bv = typeof b === 'number' ? g.scalar(b, dt) : b
  if (av.dtype !== bv.dtype) throw new Error(`Where: dtype mismatch ${av.dtype} vs ${bv.dtype}`)
  return node1('Where', [cond, av, bv], av.dtype, broadcastShapes('Where', cond.shape, av.shape, bv.shape))
}

/** clip(x, lo, hi); either bound may be omitted (undefined). */
export function clip(x: Value, lo?: number, hi?: number): Value {
  const ins = [x]
  const g = x.graph
  if (lo !== undefined || hi !== undefined) ins.push(lo === undefined ? g.scalar(-Infinity, x.dtype) : g.scalar(lo, x.dtype))
  if (hi !== undefined) ins.push(g.scalar(hi, x.dtype))
  return node1('Clip', ins, x.dtype, x.shape)
}

// ---------------------------------------------------------------- linear algebra

/** numpy matmul for rank ≥ 2 operands: [..., M, K] × [..., K, N] → [broadcast(...), M, N]. */
export function matMul(a: Value, b: Value): Value {
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`MatMul: operands need rank ≥ 2, got ${fmtShape(a.shape)} × ${fmtShape(b.shape)}`)
  if (a.dtype !== b.dtype) throw new Error(`MatMul: dtype mismatch ${a.dtype} vs ${b.dtype}`)
  const [m, k] = a.shape.slice(-2)
  const [k2, n] = b.shape.slice(-2)
  if (k !== k2) throw new Error(`MatMul: inner dimensions differ in ${fmtShape(a.shape)} × ${fmtShape(b.shape)}`)
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2))
  return node1('MatMul', [a, b], a.dtype, [...batch, m, n])
}

// ---------------------------------------------------------------- softmax family

export function softmax(x: Value, axis = -1): Value {
  needFloat('Softmax', x)
  return node1('Softmax', [x], x.dtype, x.shape, { axis: normAxis('Softmax', axis, x.shape.length) })
}

export function logSoftmax(x: Value, axis = -1): Value {
  needFloat('LogSoftmax', x)
  return node1('LogSoftmax', [x], x.dtype, x.shape, { axis: normAxis('LogSoftmax', axis, x.shape.length) })
}

// ---------------------------------------------------------------- reductions

function reduce(op: string, x: Value, axes: readonly number[] | undefined, keepdims: boolean): Value {
  const r = x.shape.length
  const ax = axes === undefined ? x.shape.map((_, i) => i) : [...new Set(axes.map((a) => normAxis(op, a, r)))].sort((a, b) => a - b)
  if (ax.length === 0) return identity(x) // ONNX would read empty axes as "all axes"
  const shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i))
  return node1(op, [x, ints(x, ax)], x.dtype, shape, { keepdims: keepdims ? 1 : 0 })
}

/** Sum over `axes` (all axes when undefined). */
export const reduceSum = (x: Value, axes?: readonly number[], keepdims = false) => reduce('ReduceSum', x, axes, keepdims)
export const reduceMean = (x: Value, axes?: readonly number[], keepdims = false) => reduce('ReduceMean', x, axes, keepdims)
export const reduceMax = (x: Value, axes?: readonly number[], keepdims = false) => reduce('ReduceMax', x, axes, keepdims)
/** log Σ exp(x) over `axes`, computed stably by onnxruntime (no gradient rule: use it under customGradient). */
export const reduceLogSumExp = (x: Value, axes?: readonly number[], keepdims = false) => reduce('ReduceLogSumExp', x, axes, keepdims)

/** Index of the max along one axis (int64; not differentiable). */
export function argMax(x: Value, axis = -1, keepdims = false): Value {
  const a = normAxis('ArgMax', axis, x.shape.length)
  const shape = keepdims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a)
  return node1('ArgMax', [x], 'int64', shape, { axis: a, keepdims: keepdims ? 1 : 0 })
}

/** Cumulative sum along `axis`. */
export function cumSum(x: Value, axis: number, exclusive = false, reverse = false): Value {
  const a = normAxis('CumSum', axis, x.shape.length)
  return node1('CumSum', [x, x.graph.constant(a, [], 'int64')], x.dtype, x.shape, { exclusive: exclusive ? 1 : 0, reverse: reverse ? 1 : 0 })
}

// ---------------------------------------------------------------- indexing

const needIndex = (op: string, i: Value) => {
  if (i.dtype !== 'int64' && i.dtype !== 'int32') throw new Error(`${op}: indices must be int64/int32, got ${i.dtype}`)
}

/** Gather slices of `data` along `axis`: out = data[:axis] + indices.shape + data[axis+1:]. Indices ≥ 0 (the gradient scatters them). */
export function gather(data: Value, indices: Value, axis = 0): Value {
  needIndex('Gather', indices)
  const a = normAxis('Gather', axis, data.shape.length)
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)]
  return node1('Gather', [data, indices], data.dtype, shape, { axis: a })
}

/** out[i][j]… = data[…indices[i][j]… along axis]; out shape = indices shape. */
export function gatherElements(data: Value, indices: Value, axis: number): Value {
  needIndex('GatherElements', indices)
  const a = normAxis('GatherElements', axis, data.shape.length)
  if (indices.shape.length !== data.shape.length) throw new Error(`GatherElements: indices rank ${indices.shape.length} ≠ data rank ${data.shape.length}`)
  return node1('GatherElements', [data, indices], data.dtype, indices.shape, { axis: a })
}

/** out = copy of data with out[indices[..]] += updates (ScatterND, reduction add). */
export function scatterNDAdd(data: Value, indices: Value, updates: Value): Value {
  needIndex('ScatterND', indices)
  const k = indices.shape[indices.shape.length - 1]
  const want = [...indices.shape.slice(0, -1), ...data.shape.slice(k)]
  if (updates.shape.join() !== want.join()) throw new Error(`ScatterND: updates ${fmtShape(updates.shape)} should be ${fmtShape(want)}`)
  return node1('ScatterND', [data, indices, updates], data.dtype, data.shape, { reduction: 'add' })
}

/** out = copy of data with out[… indices …] += updates along axis (ScatterElements, reduction add). */
export function scatterElementsAdd(data: Value, indices: Value, updates: Value, axis: number): Value {
  needIndex('ScatterElements', indices)
  if (indices.shape.join() !== updates.shape.join()) throw new Error(`ScatterElements: indices ${fmtShape(indices.shape)} ≠ updates ${fmtShape(updates.shape)}`)
  const a = normAxis('ScatterElements', axis, data.shape.length)
  return node1('ScatterElements', [data, indices, updates], data.dtype, data.shape, { axis: a, reduction: 'add' })
}

/** GatherND (batch_dims 0): out = indices.shape[:-1] + data.shape[k:]. */
export function gatherND(data: Value, indices: Value): Value {
  needIndex('GatherND', indices)
  const k = indices.shape[indices.shape.length - 1]
  return node1('GatherND', [data, indices], data.dtype, [...indices.shape.slice(0, -1), ...data.shape.slice(k)])
}

// ---------------------------------------------------------------- shape ops

/** Reshape; one dimension may be -1 (inferred). The resolved static shape is emitted. */
export function reshape(x: Value, shape: readonly number[]): Value {
  const n = numel(x.shape)
  const known = shape.filter((d) => d !== -1)
  if (shape.length - known.length > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`Reshape: bad target ${fmtShape(shape)}`)
  const k = numel(known)
  const out = shape.map((d) => (d === -1 ? n / k : d))
  if (numel(out) !== n || !out.every(Number.isInteger)) throw new Error(`Reshape: ${fmtShape(x.shape)} cannot become ${fmtShape(shape)}`)
  return node1('Reshape', [x, ints(x, out)], x.dtype, out)
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.length !== x.shape.length || [...perm].sort().some((p, i) => p !== i)) throw new Error(`Transpose: bad perm [${perm}] for ${fmtShape(x.shape)}`)
  return node1('Transpose', [x], x.dtype, perm.map((p) => x.shape[p]), { perm: [...perm] })
}

/** Swap the last two axes. */
export function transposeLast2(x: Value): Value {
  const r = x.shape.length
  return transpose(x, [...x.shape.keys()].map((i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)))
}

/** Static slice: starts/ends per listed axis (numpy semantics incl. negatives and clamping), positive steps. */
export function slice(x: Value, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Value {
  const r = x.shape.length
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis('Slice', a, r))
  const st = steps ?? ax.map(() => 1)
  if (starts.length !== ax.length || ends.length !== ax.length || st.length !== ax.length) throw new Error('Slice: starts/ends/axes/steps lengths differ')
  if (st.some((s) => !(s > 0))) throw new Error('Slice: only positive steps are supported')
  const shape = [...x.shape]
  const s0: number[] = []
  const e0: number[] = []
  ax.forEach((a, i) => {
    const d = x.shape[a]
    const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d)
    const s = clampIdx(starts[i])
    const e = clampIdx(ends[i])
    s0.push(s)
    e0.push(e)
    shape[a] = Math.max(0, Math.ceil((e - s) / st[i]))
  })
  const v = node1('Slice', [x, ints(x, s0), ints(x, e0), ints(x, ax), ints(x, st)], x.dtype, shape)
  return v
}

/** Zero (or constant) padding: pads = [begin_0.., end_0..] as in ONNX (non-negative). */
export function pad(x: Value, pads: readonly number[], value = 0): Value {
  const r = x.shape.length
  if (pads.length !== 2 * r || pads.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`Pad: pads [${pads}] for ${fmtShape(x.shape)}`)
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r])
  return node1('Pad', [x, ints(x, pads), x.graph.scalar(value, x.dtype)], x.dtype, shape, { mode: 'constant' })
}

export function concat(xs: readonly Value[], axis: number): Value {
  if (xs.length === 0) throw new Error('Concat: no inputs')
  const r = xs[0].shape.length
  const a = normAxis('Concat', axis, r)
  for (const x of xs) {
    if (x.dtype !== xs[0].dtype || x.shape.length !== r || x.shape.some((d, i) => i !== a && d !== xs[0].shape[i]))
      throw new Error(`Concat: incompatible ${xs.map((v) => fmtShape(v.shape)).join(', ')} on axis ${a}`)
  }
  const shape = xs[0].shape.map((d, i) => (i === a ? xs.reduce((s, x) => s + x.shape[i], 0) : d))
  return node1('Concat', [...xs], xs[0].dtype, shape, { axis: a })
}

/** Broadcast to `shape` (numpy rules, as ONNX Expand). */
export function expand(x: Value, shape: readonly number[]): Value {
  const out = broadcastShapes('Expand', x.shape, shape)
  return node1('Expand', [x, ints(x, shape)], x.dtype, out)
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const r = x.shape.length + axes.length
  const ax = axes.map((a) => normAxis('Unsqueeze', a, r)).sort((a, b) => a - b)
  const shape: number[] = []
  let j = 0
  for (let i = 0; i < r; i++) shape.push(ax.includes(i) ? 1 : x.shape[j++])
  return node1('Unsqueeze', [x, ints(x, ax)], x.dtype, shape)
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const ax = axes.map((a) => normAxis('Squeeze', a, x.shape.length))
  if (ax.some((a) => x.shape[a] !== 1)) throw new Error(`Squeeze: axes [${axes}] of ${fmtShape(x.shape)} are not all 1`)
  return node1('Squeeze', [x, ints(x, ax)], x.dtype, x.shape.filter((_, i) => !ax.includes(i)))
}

/** Lower (upper=false) or upper triangle of the last two axes, shifted by diagonal offset k. */
export function trilu(x: Value, upper: boolean, k = 0): Value {
  if (x.shape.length < 2) throw new Error('Trilu: needs rank ≥ 2')
  return node1('Trilu', [x, x.graph.constant(k, [], 'int64')], x.dtype, x.shape, { upper: upper ? 1 : 0 })
}

/**
 * A tensor filled with `value`: a small constant, or a scalar Expand for large shapes (so a [V,D] zero buffer
 * costs nothing in the model file).
 */
export function fill(like: Value, shape: Shape, value: number, dtype: DType = like.dtype): Value {
  const g = like.graph
  return numel(shape) <= 64 ? g.constant(value, shape, dtype) : expand(g.scalar(value, dtype), shape)
}
export const zerosLike = (x: Value) => fill(x, x.shape, 0)
export const onesLike = (x: Value) => fill(x, x.shape, 1)
