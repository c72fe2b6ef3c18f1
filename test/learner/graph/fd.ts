/**
 * Finite-difference gradient check (test helper, shared by the graph and model tests): builds a float64
 * graph, appends `grad`, runs forward + backward in onnxruntime CPU, and compares every parameter gradient
 * with central differences (L(x+h) − L(x−h)) / 2h computed by re-running the forward pass.
 * A non-scalar output is reduced to a scalar as sum(out · R) with fixed random R, so every element's
 * gradient is exercised with a different weight.
 */
import * as ort from 'onnxruntime-node'
import { Graph, encodeModel, grad, ops, type Shape, type Value } from '../../../learner/graph/index.js'
import { createRng, type Rng } from '../../../learner/sample/rng.js'

export interface FdParam {
  shape: Shape
  /** initial values (default standard normal). */
  init?: (rng: Rng, i: number) => number
}

export interface FdResult {
  /** max over parameters of max|analytic − fd| / max(1, max|fd|). */
  maxErr: number
  perParam: Record<string, number>
  /** the ops in the forward graph (for coverage checks). */
  forwardOps: Set<string>
}

export interface FdCase {
  params: Record<string, FdParam>
  /** builds the output from the parameter inputs (other data: constants inside the graph). */
  build: (g: Graph, p: Record<string, Value>) => Value
  /** check at most this many (randomly chosen) elements per parameter (default: all). */
  elements?: number
}

export async function checkGradients(c: FdCase, seed = 1, h = 1e-5): Promise<FdResult> {
  const rng = createRng(seed)
  const g = new Graph({ float: 'float64' })
  const p: Record<string, Value> = {}
  const data: Record<string, Float64Array> = {}
  for (const [name, spec] of Object.entries(c.params)) {
    p[name] = g.input(name, 'float', spec.shape)
    const n = spec.shape.reduce((a, b) => a * b, 1)
    data[name] = Float64Array.from({ length: n }, (_, i) => (spec.init ? spec.init(rng, i) : rng.normal()))
  }
  const out = c.build(g, p)
  const forwardOps = new Set(g.nodes.map((n) => n.op))
  const weights = g.constant(Array.from({ length: out.shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), out.shape, 'float')
  const loss = ops.reduceSum(ops.mul(out, weights))
  const names = Object.keys(p)
  const grads = grad(g, loss, names.map((n) => p[n]))
  g.output(loss, 'loss')
  grads.forEach((gv, i) => g.output(gv, `grad.${names[i]}`))
  const session = await ort.InferenceSession.create(encodeModel(g))
  const feeds = () => Object.fromEntries(names.map((n) => [n, new ort.Tensor('float64', data[n], [...c.params[n].shape])]))
  const lossAt = async () => Number((await session.run(feeds(), ['loss'])).loss.data[0])
  const full = await session.run(feeds())

  const perParam: Record<string, number> = {}
  for (const n of names) {
    const x = data[n]
    const picks = c.elements !== undefined && c.elements < x.length
      ? Array.from({ length: c.elements }, () => Math.floor(rng.next() * x.length))
      : [...x.keys()]
    perParam[n] = await centralDifferenceError(x, full[`grad.${n}`].data as Float64Array, lossAt, picks, h)
  }
  await session.release()
  return { maxErr: Math.max(0, ...Object.values(perParam)), perParam, forwardOps }
}

/**
 * max|analytic − fd| / max(1, max|fd|) over the elements `picks` of `x` (default: all), where fd is the central
 * difference (L(x+h) − L(x−h)) / 2h and `lossAt` re-runs the forward pass on the current contents of `x`.
 */
export async function centralDifferenceError(
  x: Float64Array,
  analytic: Float64Array,
  lossAt: () => Promise<number>,
  picks: Iterable<number> = x.keys(),
  h = 1e-5,
): Promise<number> {
  let maxDiff = 0
  let scale = 1
  for (const i of picks) {
    const x0 = x[i]
    x[i] = x0 + h
    const lp = await lossAt()
    x[i] = x0 - h
    const lm = await lossAt()
    x[i] = x0
    const fd = (lp - lm) / (2 * h)
    maxDiff = Math.max(maxDiff, Math.abs(analytic[i] - fd))
    scale = Math.max(scale, Math.abs(fd))
  }
  return maxDiff / scale
}

/** Positive initialiser in [lo, hi) (for log, sqrt, div denominators…). */
export const uniform = (lo: number, hi: number) => (r: Rng) => lo + (hi - lo) * r.next()
