/**
 * Encoding of a Graph to ONNX ModelProto bytes (onnx-proto's generated protobufjs classes). Only nodes that
 * some output depends on are emitted (gradient rules may build pieces nobody uses); constants become
 * initializers with raw little-endian data; every input/output carries its static shape. All graph inputs are
 * kept, used or not, so feeds stay stable.
 */
import onnxProto from 'onnx-proto'
import type { Graph } from './graph.js'
import type { AttrValue, Node, Value } from './types.js'
import { ONNX_DTYPE, OPSET } from './ops.js'

const { onnx } = onnxProto

/** IR version matching opset 18 (ONNX 1.13). */
const IR_VERSION = 8
const enc = new TextEncoder()

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType
  if (typeof v === 'number') return { name, type: T.INT, i: v }
  if (typeof v === 'string') return { name, type: T.STRING, s: enc.encode(v) }
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v }
  if ('float' in v) return { name, type: T.FLOAT, f: v.float }
  return { name, type: T.FLOATS, floats: v.floats }
}

function valueInfo(v: Value): onnxProto.onnx.IValueInfoProto {
  return { name: v.name, type: { tensorType: { elemType: ONNX_DTYPE[v.dtype], shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } } }
}

function initializer(v: Value): onnxProto.onnx.ITensorProto {
  const d = v.data!
  return { name: v.name, dims: [...v.shape], dataType: ONNX_DTYPE[v.dtype], rawData: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) }
}

/** Nodes the outputs depend on, in the graph's (topological) order. */
function liveNodes(g: Graph): Node[] {
  const need = new Set<Node>()
  const stack = g.outputs.map((v) => v.producer).filter((n): n is Node => !!n)
  while (stack.length) {
    const n = stack.pop()!
    if (need.has(n)) continue
    need.add(n)
    for (const v of n.inputs) if (v.producer && !need.has(v.producer)) stack.push(v.producer)
  }
  return g.nodes.filter((n) => need.has(n))
}

/** Serialise `g` to ONNX ModelProto bytes (feed to onnxruntime's InferenceSession.create). */
export function encodeModel(g: Graph): Uint8Array {
  if (g.outputs.length === 0) throw new Error('encodeModel: graph has no outputs')
  const nodes = liveNodes(g)
  const used = new Set<Value>(g.outputs)
  for (const n of nodes) for (const v of n.inputs) used.add(v)
  const model: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'cohort',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: g.name,
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
      initializer: g.constants.filter((c) => used.has(c)).map(initializer),
      node: nodes.map((n, i) => ({
        name: `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain,
        input: n.inputs.map((v) => v.name),
        output: n.outputs.map((v) => v.name),
        attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
      })),
    },
  }
  return onnx.ModelProto.encode(model).finish()
}
