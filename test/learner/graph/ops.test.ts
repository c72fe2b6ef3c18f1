/**
 * Op helpers: the statically inferred shape/dtype of every op output equals what onnxruntime computes, values
 * of the shape-heavy ops match plain-JS references, the float32/float64 switch holds, and bad arguments throw
 * at build time naming the op.
 */
import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { Graph, encodeModel, ops as o, type Value } from '../../../learner/graph/index.js'

async function runAll(g: Graph, feeds: Record<string, ort.Tensor>) {
  const s = await ort.InferenceSession.create(encodeModel(g))
  const r = await s.run(feeds)
  await s.release()
  return r
}

const range = (n: number) => Float64Array.from({ length: n }, (_, i) => i)

describe('shape inference agrees with onnxruntime', () => {
  it('every op output of a mixed graph', async () => {
    const g = new Graph({ float: 'float64' })
    const x = g.input('x', 'float', [2, 3, 4])
    const w = g.input('w', 'float', [4, 5])
    const ids = g.constant([0, 2, 1, 1], [2, 2], 'int64')
    const outs: Record<string, Value> = {
      add: o.add(x, g.constant(range(4), [4])),
      mm: o.matMul(x, w),
      mmb: o.matMul(o.unsqueeze(x, [1]), o.reshape(o.concat([w, w], 0), [2, 1, 4, 5])),
      sm: o.softmax(x, 1),
      lsm: o.logSoftmax(x),
      rs: o.reduceSum(x, [0, -1]),
      rmk: o.reduceMax(x, [1], true),
      rmean: o.reduceMean(x),
      am: o.argMax(x, 2),
      cs: o.cumSum(x, -1, true),
      ga: o.gather(w, ids, 0),
      ga1: o.gather(x, ids, 1),
      ge: o.gatherElements(x, g.constant(0, [2, 3, 1], 'int64'), 2),
      gnd: o.gatherND(x, g.constant([1, 2, 0, 1], [2, 2], 'int64')),
      snd: o.scatterNDAdd(w, g.constant([3, 0], [2, 1], 'int64'), g.constant(1, [2, 5])),
      sel: o.scatterElementsAdd(w, g.constant(1, [4, 2], 'int64'), g.constant(1, [4, 2]), 1),
      rsh: o.reshape(x, [-1, 6]),
      tr: o.transpose(x, [2, 0, 1]),
      t2: o.transposeLast2(x),
      sl: o.slice(x, [0, -2], [1, 100], [0, 2]),
      sl2: o.slice(x, [0], [4], [2], [3]),
      pd: o.pad(x, [0, 1, 0, 0, 0, 2]),
      cc: o.concat([x, x], 1),
      ex: o.expand(o.reduceSum(x, [1], true), [3, 2, 3, 4]),
      usq: o.unsqueeze(x, [0, 3]),
      sq: o.squeeze(o.unsqueeze(x, [1]), [1]),
      tri: o.trilu(x, false, -1),
      wh: o.where(o.greater(x, 0), x, 0),
      wh2: o.where(o.less(x, 3), 1, 0),
      mn: o.min(x, g.constant(range(4), [4])),
      cl: o.clip(x, -0.5, 0.5),
      ct: o.cast(o.less(x, 1), 'int64'),
      pw: o.pow(x, 2),
      eq: o.equal(ids, 1),
    }
    for (const [name, v] of Object.entries(outs)) g.output(v, name)
    const r = await runAll(g, {
      x: new ort.Tensor('float64', range(24), [2, 3, 4]),
      w: new ort.Tensor('float64', range(20), [4, 5]),
    })
    for (const [name, v] of Object.entries(outs)) {
      expect([name, r[name].dims]).toEqual([name, v.shape])
      expect([name, r[name].type]).toEqual([name, v.dtype])
    }
    // values of the indexing/shape ops against hand-worked references (x = 0..23 in [2,3,4], w = 0..19 in [4,5])
    expect(Array.from(r.ga.data as Float64Array).slice(0, 10)).toEqual([0, 1, 2, 3, 4, 10, 11, 12, 13, 14])
    expect(Array.from(r.sl2.data as Float64Array).slice(0, 4)).toEqual([0, 3, 4, 7])
    expect(Array.from(r.sl.data as Float64Array)).toEqual([2, 3, 6, 7, 10, 11])
    expect(Array.from(r.gnd.data as Float64Array)).toEqual([20, 21, 22, 23, 4, 5, 6, 7])
    expect(Array.from(r.snd.data as Float64Array).slice(0, 5)).toEqual([1, 2, 3, 4, 5])
    expect(Array.from(r.cs.data as Float64Array).slice(0, 4)).toEqual([0, 0, 1, 3])
    expect(Array.from(r.am.data as BigInt64Array).every((v) => v === 3n)).toBe(true)
    const mm = r.mm.data as Float64Array // row 0 of x = [0,1,2,3]; column 0 of w = [0,5,10,15] → 70
    expect(mm[0]).toBe(70)
    expect(Array.from(r.wh2.data as Float64Array).slice(0, 5)).toEqual([1, 1, 1, 0, 0])
  })

  it('the float switch: the same builder emits float32 or float64 end to end', async () => {
    const build = (float: 'float32' | 'float64') => {
      const g = new Graph({ float })
      const x = g.input('x', 'float', [3])
      g.output(o.mul(o.exp(x), 0.5), 'y')
      return g
    }
    for (const float of ['float32', 'float64'] as const) {
      const data = float === 'float32' ? new Float32Array([0, 1, 2]) : new Float64Array([0, 1, 2])
      const r = await runAll(build(float), { x: new ort.Tensor(float, data, [3]) })
      expect(r.y.type).toBe(float)
      expect((r.y.data as Float64Array)[1]).toBeCloseTo(Math.E / 2, 6)
    }
  })
})

describe('bad arguments throw at build time', () => {
  const g = new Graph()
  const a = g.input('a', 'float', [2, 3])
  const b = g.input('b', 'float', [4, 5])
  const i = g.input('i', 'int64', [2])
  it.each([
    ['Add', () => o.add(a, b), /Add: cannot broadcast \[2,3\] with \[4,5\]/],
    ['MatMul', () => o.matMul(a, b), /MatMul: inner dimensions differ/],
    ['Reshape', () => o.reshape(a, [4, -1]), /Reshape: \[2,3\] cannot become/],
    ['Softmax axis', () => o.softmax(a, 2), /Softmax: axis 2 out of range/],
    ['Squeeze', () => o.squeeze(a, [0]), /Squeeze: axes/],
    ['dtype mix', () => o.add(a, i), /Add: dtype mismatch float32 vs int64/],
    ['Gather float indices', () => o.gather(b, a), /Gather: indices must be int64/],
    ['Exp on ints', () => o.exp(i), /Exp: needs a float tensor/],
    ['Transpose perm', () => o.transpose(a, [0, 0]), /Transpose: bad perm/],
    ['input shape', () => g.input('c', 'float', [2, 0]), /bad static shape/],
    ['duplicate name', () => g.input('a', 'float', [1]), /already used/],
  ])('%s', (_n, f, re) => expect(f).toThrow(re))

  it('an output may be renamed once; an input output goes through Identity', () => {
    const g2 = new Graph()
    const x = g2.input('x', 'float', [2])
    const y = o.neg(x)
    g2.output(y, 'y')
    g2.output(y, 'y2')
    g2.output(x, 'x_out')
    expect(g2.outputs.map((v) => v.name)).toEqual(['y', 'y2', 'x_out'])
    expect(g2.nodes.filter((n) => n.op === 'Identity')).toHaveLength(2)
  })
})

describe('encodeModel', () => {
  it('emits only the nodes and constants the outputs need, with static shapes and opset 18', () => {
    const g = new Graph()
    const x = g.input('x', 'float', [2, 3])
    const unused = g.input('unused', 'float', [1])
    o.exp(o.add(x, g.constant([5, 6, 7], [3]))) // dead branch
    g.output(o.mul(x, 2), 'y')
    const m = onnxProto.onnx.ModelProto.decode(encodeModel(g)).toJSON()
    expect(m.graph.node.map((n: { opType: string }) => n.opType)).toEqual(['Mul'])
    expect(m.graph.initializer).toHaveLength(1)
    expect(m.graph.input.map((i: { name: string }) => i.name)).toEqual(['x', unused.name])
    expect(m.graph.output[0].type.tensorType.shape.dim.map((d: { dimValue: string }) => Number(d.dimValue))).toEqual([2, 3])
    expect(m.opsetImport.map((i: { domain?: string; version: string }) => [i.domain ?? '', Number(i.version)])).toEqual([['', 18]])
  })
})
