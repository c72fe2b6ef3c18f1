/**
 * Contract test of the gradient table: every rule in GRADIENTS is exercised by at least one tiny float64 graph
 * (broadcasting included) and its forward+backward run in onnxruntime CPU must match central finite
 * differences. Also: the table covers exactly what the cases claim, and a missing rule fails loudly.
 */
import * as ort from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import { GRADIENTS, Graph, NON_DIFFERENTIABLE, encodeModel, grad, ops as o, type Value } from '../../../learner/graph/index.js'
import { checkGradients, uniform, type FdCase } from './fd.js'

type Case = FdCase & { op: string; name: string }
const P = (...shape: number[]) => ({ shape })
const Ppos = (...shape: number[]) => ({ shape, init: uniform(0.5, 2) })
const idx = (g: Graph, data: number[], shape: number[]) => g.constant(data, shape, 'int64')

const CASES: Case[] = [
  { op: 'Identity', name: 'identity', params: { x: P(2, 3) }, build: (_g, { x }) => o.identity(x) },
  { op: 'Add', name: 'add [2,3,4]+[3,1]', params: { a: P(2, 3, 4), b: P(3, 1) }, build: (_g, { a, b }) => o.add(a, b) },
  { op: 'Add', name: 'add fan-out x+x·x', params: { x: P(3) }, build: (_g, { x }) => o.add(x, o.mul(x, x)) },
  { op: 'Sub', name: 'sub [4]-[2,1,4]', params: { a: P(4), b: P(2, 1, 4) }, build: (_g, { a, b }) => o.sub(a, b) },
  { op: 'Mul', name: 'mul [2,1,3]*[4,1]', params: { a: P(2, 1, 3), b: P(4, 1) }, build: (_g, { a, b }) => o.mul(a, b) },
  { op: 'Div', name: 'div [2,3]/[3]', params: { a: P(2, 3), b: Ppos(3) }, build: (_g, { a, b }) => o.div(a, b) },
  { op: 'Div', name: 'div scalar/[2,3]', params: { b: Ppos(2, 3) }, build: (_g, { b }) => o.div(1.5, b) },
  { op: 'Pow', name: 'pow x^3', params: { x: P(2, 3) }, build: (_g, { x }) => o.pow(x, 3) },
  { op: 'Pow', name: 'pow x^[0.5,-1.5] broadcast', params: { x: Ppos(3, 2) }, build: (g, { x }) => o.pow(x, g.constant([0.5, -1.5], [2])) },
  { op: 'Neg', name: 'neg', params: { x: P(5) }, build: (_g, { x }) => o.neg(x) },
  { op: 'Exp', name: 'exp', params: { x: P(2, 3) }, build: (_g, { x }) => o.exp(x) },
  { op: 'Log', name: 'log', params: { x: Ppos(2, 3) }, build: (_g, { x }) => o.log(x) },
  { op: 'Sqrt', name: 'sqrt', params: { x: Ppos(2, 3) }, build: (_g, { x }) => o.sqrt(x) },
  { op: 'Reciprocal', name: 'reciprocal', params: { x: Ppos(2, 3) }, build: (_g, { x }) => o.reciprocal(x) },
  { op: 'Tanh', name: 'tanh', params: { x: P(2, 3) }, build: (_g, { x }) => o.tanh(x) },
  { op: 'Sigmoid', name: 'silu = x·sigmoid(x)', params: { x: P(2, 3) }, build: (_g, { x }) => o.silu(x) },
  { op: 'Sin', name: 'sin', params: { x: P(4) }, build: (_g, { x }) => o.sin(x) },
  { op: 'Cos', name: 'cos', params: { x: P(4) }, build: (_g, { x }) => o.cos(x) },
  { op: 'Abs', name: 'abs', params: { x: { shape: [6], init: (r, i) => (i % 2 ? 1 : -1) * (0.1 + r.next()) } }, build: (_g, { x }) => o.abs(x) },
  { op: 'Cast', name: 'cast float→float (bool→int64→float path carries no gradient)', params: { x: P(2, 3) },
    build: (_g, { x }) => o.add(o.cast(o.cast(x, 'float64'), 'float64'), o.cast(o.cast(o.greater(x, 0), 'int64'), 'float')) },
  { op: 'Softmax', name: 'softmax axis 1 of [2,3,4]', params: { x: P(2, 3, 4) }, build: (_g, { x }) => o.softmax(x, 1) },
  { op: 'Softmax', name: 'softmax last axis', params: { x: P(3, 5) }, build: (_g, { x }) => o.softmax(x) },
  { op: 'LogSoftmax', name: 'logSoftmax axis 0', params: { x: P(4, 3) }, build: (_g, { x }) => o.logSoftmax(x, 0) },
  { op: 'LogSoftmax', name: 'logSoftmax last axis', params: { x: P(2, 2, 5) }, build: (_g, { x }) => o.logSoftmax(x, -1) },
  { op: 'ReduceSum', name: 'reduceSum axes [0,2] keepdims', params: { x: P(2, 3, 4) }, build: (_g, { x }) => o.reduceSum(x, [0, 2], true) },
  { op: 'ReduceSum', name: 'reduceSum axis -1 no keepdims', params: { x: P(2, 3, 4) }, build: (_g, { x }) => o.reduceSum(x, [-1]) },
  { op: 'ReduceMean', name: 'reduceMean axis 1', params: { x: P(2, 3, 4) }, build: (_g, { x }) => o.reduceMean(x, [1]) },
  { op: 'ReduceMean', name: 'reduceMean all (scalar)', params: { x: P(3, 4) }, build: (_g, { x }) => o.reduceMean(x) },
  { op: 'ReduceMax', name: 'reduceMax axis -1', params: { x: P(3, 5) }, build: (_g, { x }) => o.reduceMax(x, [-1]) },
  { op: 'ReduceMax', name: 'reduceMax axes [0,1] keepdims', params: { x: P(2, 3, 2) }, build: (_g, { x }) => o.reduceMax(x, [0, 1], true) },
  { op: 'MatMul', name: 'matMul [3,4]×[4,2]', params: { a: P(3, 4), b: P(4, 2) }, build: (_g, { a, b }) => o.matMul(a, b) },
  { op: 'MatMul', name: 'matMul batched [2,3,4]×[4,5]', params: { a: P(2, 3, 4), b: P(4, 5) }, build: (_g, { a, b }) => o.matMul(a, b) },
  { op: 'MatMul', name: 'matMul broadcast [2,1,3,4]×[3,4,2]', params: { a: P(2, 1, 3, 4), b: P(3, 4, 2) }, build: (_g, { a, b }) => o.matMul(a, b) },
  { op: 'Gather', name: 'gather embedding rows (repeats)', params: { w: P(5, 3) }, build: (g, { w }) => o.gather(w, idx(g, [1, 4, 1, 0, 1, 3], [2, 3]), 0) },
  { op: 'Gather', name: 'gather axis 1 with 2-D indices', params: { w: P(2, 4, 3) }, build: (g, { w }) => o.gather(w, idx(g, [3, 0, 3, 2], [2, 2]), 1) },
  { op: 'GatherElements', name: 'gatherElements (token log-probs)', params: { x: P(2, 3, 5) },
    build: (g, { x }) => o.gatherElements(o.logSoftmax(x), idx(g, [4, 0, 2, 2, 1, 3], [2, 3, 1]), 2) },
  { op: 'GatherND', name: 'gatherND rows', params: { x: P(3, 2, 2) }, build: (g, { x }) => o.gatherND(x, idx(g, [2, 1, 0, 1, 2, 1], [3, 2])) },
  { op: 'ScatterND', name: 'scatterNDAdd data and updates', params: { d: P(4, 3), u: P(3, 3) }, build: (g, { d, u }) => o.scatterNDAdd(d, idx(g, [1, 3, 1], [3, 1]), u) },
  { op: 'ScatterElements', name: 'scatterElementsAdd', params: { d: P(2, 4), u: P(2, 3) }, build: (g, { d, u }) => o.scatterElementsAdd(d, idx(g, [0, 3, 0, 2, 2, 1], [2, 3]), u, 1) },
  { op: 'Reshape', name: 'reshape with -1', params: { x: P(2, 3, 4) }, build: (_g, { x }) => o.mul(o.reshape(x, [4, -1]), o.reshape(x, [4, 6])) },
  { op: 'Unsqueeze', name: 'unsqueeze', params: { x: P(2, 3) }, build: (_g, { x }) => o.mul(o.unsqueeze(x, [0, -1]), 2) },
  { op: 'Squeeze', name: 'squeeze', params: { x: P(2, 1, 3, 1) }, build: (_g, { x }) => o.squeeze(x, [1, -1]) },
  { op: 'Transpose', name: 'transpose [0,2,3,1]', params: { x: P(2, 3, 4, 2) }, build: (_g, { x }) => o.transpose(x, [0, 2, 3, 1]) },
  { op: 'Expand', name: 'expand [3,1]→[2,3,4]', params: { x: P(3, 1) }, build: (_g, { x }) => o.expand(x, [2, 3, 4]) },
  { op: 'Slice', name: 'slice negative start, two axes', params: { x: P(4, 5) }, build: (_g, { x }) => o.slice(x, [1, -3], [3, 5], [0, 1]) },
  { op: 'Slice', name: 'slice step 2 (odd tail)', params: { x: P(3, 7) }, build: (_g, { x }) => o.slice(x, [1], [6], [1], [2]) },
  { op: 'Pad', name: 'pad', params: { x: P(2, 3) }, build: (_g, { x }) => o.pad(x, [1, 0, 0, 2]) },
  { op: 'Concat', name: 'concat axis 1 (same value twice)', params: { a: P(2, 2), b: P(2, 3) }, build: (_g, { a, b }) => o.concat([a, b, a], 1) },
  { op: 'Where', name: 'where with broadcast', params: { a: P(2, 3), b: P(3) }, build: (g, { a, b }) => o.where(g.constant([1, 0, 1, 0, 0, 1], [2, 3], 'bool'), a, b) },
  { op: 'Min', name: 'min broadcast', params: { a: P(2, 3), b: P(3) }, build: (_g, { a, b }) => o.min(a, b) },
  { op: 'Max', name: 'max with a number', params: { a: P(2, 3) }, build: (_g, { a }) => o.max(a, 0.1) },
  { op: 'Max', name: 'max broadcast', params: { a: P(2, 1), b: P(1, 3) }, build: (_g, { a, b }) => o.max(a, b) },
  { op: 'Clip', name: 'clip both bounds', params: { x: { shape: [8], init: (r) => 3 * r.normal() } }, build: (_g, { x }) => o.clip(x, -1, 1.5) },
  { op: 'Clip', name: 'clip upper only', params: { x: P(6) }, build: (_g, { x }) => o.clip(x, undefined, 0.2) },
  { op: 'Trilu', name: 'trilu lower (causal)', params: { x: P(2, 3, 3) }, build: (_g, { x }) => o.trilu(x, false) },
  { op: 'Trilu', name: 'trilu upper k=1', params: { x: P(3, 4) }, build: (_g, { x }) => o.trilu(x, true, 1) },
  { op: 'CumSum', name: 'cumSum', params: { x: P(2, 4) }, build: (_g, { x }) => o.cumSum(x, 1) },
  { op: 'CumSum', name: 'cumSum exclusive reverse', params: { x: P(3, 2) }, build: (_g, { x }) => o.cumSum(x, 0, true, true) },
]

const TOL = 1e-6
const report: string[] = []
afterAll(() => console.log(`finite-difference check (float64, h=1e-5), max rel error per case:\n${report.join('\n')}`))

describe('gradient rules vs float64 central differences', () => {
  for (const c of CASES) {
    it(`${c.op}: ${c.name}`, async () => {
      const r = await checkGradients(c)
      report.push(`  ${c.op.padEnd(16)} ${r.maxErr.toExponential(2)}  ${c.name}`)
      expect(r.forwardOps.has(c.op)).toBe(true)
      expect(r.maxErr).toBeLessThan(TOL)
    })
  }
})

describe('gradient table contract', () => {
  it('every rule in the table has a case, and every case names a rule', () => {
    const covered = new Set(CASES.map((c) => c.op))
    expect([...covered].sort()).toEqual(Object.keys(GRADIENTS).sort())
  })

  it('covers the rules the learner needs', () => {
    const need = ['MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Exp', 'Log', 'Sqrt', 'Pow', 'Reciprocal', 'Tanh', 'Sigmoid', 'Softmax',
      'LogSoftmax', 'ReduceSum', 'ReduceMean', 'ReduceMax', 'Gather', 'GatherElements', 'Reshape', 'Transpose', 'Slice', 'Concat', 'Expand',
      'Where', 'Min', 'Max', 'Clip', 'Cast', 'Unsqueeze', 'Squeeze', 'Identity']
    expect(need.filter((n) => !GRADIENTS[n])).toEqual([])
    for (const n of ['Equal', 'Less', 'Greater', 'ArgMax']) expect(NON_DIFFERENTIABLE.has(n)).toBe(true)
  })

  it('an op without a rule fails loudly at build time, naming the op', () => {
    const g = new Graph({ float: 'float64' })
    const x = g.input('x', 'float', [3])
    const [y] = g.addNode('Erf', [x], [{ dtype: x.dtype, shape: x.shape }])
    expect(() => grad(g, o.reduceSum(y), [x])).toThrow(/no gradient rule for op "Erf"/)
  })

  it('non-differentiable ops stop the gradient; unrelated parameters get zeros', async () => {
    const r = await checkGradients({
      params: { x: P(6), w: P(2) },
      build: (g: Graph, { x }: Record<string, Value>) => o.mul(x, o.cast(o.less(x, 0), 'float')), // relu-like mask
    })
    expect(r.maxErr).toBeLessThan(TOL)
  })
})

/** A tiny pre-norm attention block with tied embeddings and token log-probs: rules composed, fan-out summed. */
function tinyBlock(g: Graph, p: Record<string, Value>): Value {
  const [B, T, D, H, V] = [2, 4, 6, 2, 7]
  const Dh = D / H
  const ids = idx(g, [1, 5, 2, 6, 0, 3, 3, 1], [B, T])
  const targets = idx(g, [5, 2, 6, 0, 3, 3, 1, 4], [B, T, 1])
  const h = o.gather(p.emb, ids, 0) //                                              [B,T,D]
  const rms = o.reciprocal(o.sqrt(o.add(o.reduceMean(o.mul(h, h), [-1], true), 1e-5)))
  const n = o.mul(o.mul(h, rms), p.wn) //                                           [B,T,D]
  const heads = (w: Value) => o.transpose(o.reshape(o.matMul(n, o.transposeLast2(w)), [B, T, H, Dh]), [0, 2, 1, 3]) // [B,H,T,Dh]
  const [q, k, v] = [heads(p.wq), heads(p.wk), heads(p.wv)]
  const mask = g.constant(Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)), [T, T])
  const att = o.softmax(o.add(o.mul(o.matMul(q, o.transposeLast2(k)), 1 / Math.sqrt(Dh)), mask)) // [B,H,T,T]
  const y = o.reshape(o.transpose(o.matMul(att, v), [0, 2, 1, 3]), [B, T, D])
  const h2 = o.add(h, o.matMul(y, o.transposeLast2(p.wo))) //                       [B,T,D]
  const logits = o.matMul(h2, o.transposeLast2(p.emb)) //                           [B,T,V]
  return o.squeeze(o.gatherElements(o.logSoftmax(logits), targets, 2), [2]) //      [B,T]
}

describe('composition', () => {
  it('a tiny attention block (embedding, RMSNorm, causal softmax, tied head, token log-probs) vs finite differences', async () => {
    const r = await checkGradients({
      params: { emb: P(7, 6), wn: { shape: [6], init: uniform(0.5, 1.5) }, wq: P(6, 6), wk: P(6, 6), wv: P(6, 6), wo: P(6, 6) },
      build: tinyBlock,
    })
    report.push(`  ${'composite'.padEnd(16)} ${r.maxErr.toExponential(2)}  tiny attention block`)
    expect(r.maxErr).toBeLessThan(TOL)
  })

  it('stopGradient blocks the gradient (d/dx of x·stop(x) is stop(x), not 2x)', async () => {
    const g = new Graph({ float: 'float64' })
    const x = g.input('x', 'float', [3])
    const [gx] = grad(g, o.reduceSum(o.mul(x, o.stopGradient(x))), [x])
    g.output(gx, 'gx')
    const s = await ort.InferenceSession.create(encodeModel(g))
    const r = await s.run({ x: new ort.Tensor('float64', Float64Array.from([1, -2, 3]), [3]) })
    expect(Array.from(r.gx.data as Float64Array)).toEqual([1, -2, 3])
  })
})
