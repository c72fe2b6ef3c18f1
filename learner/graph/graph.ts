/**
 * Graph: an ONNX graph under construction with static shapes and dtypes. Holds inputs, constants
 * (initializers), nodes in topological order (append-only) and named outputs. `floatType` is the build-time
 * float switch: every 'float' input/constant takes it, so the same builder code yields a float32 graph for
 * training and a float64 one for finite-difference checks.
 */
import type { AttrValue, ConstData, DType, DTypeSpec, Node, Shape, Value } from './types.js'
import { fmtShape, numel } from './types.js'

export interface GraphOptions {
  /** float type of the whole graph (default float32). */
  float?: 'float32' | 'float64'
  /** graph name written into the model. */
  name?: string
}

class ValueImpl implements Value {
  constructor(
    public name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: 'input' | 'const' | 'node',
    readonly graph: Graph,
    readonly producer?: Node,
    readonly data?: ConstData,
  ) {}
}

const ARRAY_TYPE = { float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array, bool: Uint8Array }

/** Data of a constant as the dtype's typed array; a typed array of exactly that type is used as is (no copy). */
export function typedArrayFor(dtype: DType, data: ArrayLike<number> | ArrayLike<bigint> | number, n: number): ConstData {
  if (data instanceof ARRAY_TYPE[dtype] && (data as ConstData).length === n) return data as ConstData
  const src: ArrayLike<number | bigint> = typeof data === 'number' ? new Array(n).fill(data) : data
  if (src.length !== n) throw new Error(`constant: ${src.length} values for ${n} elements`)
  const num = (i: number) => Number(src[i])
  switch (dtype) {
    case 'float32': return Float32Array.from({ length: n }, (_, i) => num(i))
    case 'float64': return Float64Array.from({ length: n }, (_, i) => num(i))
    case 'int64': return BigInt64Array.from({ length: n }, (_, i) => BigInt(src[i] as number | bigint))
    case 'int32': return Int32Array.from({ length: n }, (_, i) => num(i))
    case 'bool': return Uint8Array.from({ length: n }, (_, i) => (num(i) ? 1 : 0))
  }
}

export class Graph {
  readonly floatType: 'float32' | 'float64'
  readonly name: string
  readonly inputs: Value[] = []
  readonly constants: Value[] = []
  readonly nodes: Node[] = []
  readonly outputs: Value[] = []
  private readonly names = new Set<string>()
  private readonly constCache = new Map<string, Value>()
  private counter = 0

  constructor(opts: GraphOptions = {}) {
    this.floatType = opts.float ?? 'float32'
    this.name = opts.name ?? 'cohort'
  }

  /** Resolve 'float' to the graph's float type. */
  dtype(d: DTypeSpec): DType {
    return d === 'float' ? this.floatType : d
  }

  private fresh(prefix: string): string {
    let n: string
    do n = `${prefix}${this.counter++}`; while (this.names.has(n))
    this.names.add(n)
    return n
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph: name "${name}" already used`)
    this.names.add(name)
    return name
  }

  /** A graph input (a feed). Shapes are static: every dimension a positive integer. */
  input(name: string, dtype: DTypeSpec, shape: Shape): Value {
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`input ${name}: bad static shape ${fmtShape(shape)}`)
    const v = new ValueImpl(this.claim(name), this.dtype(dtype), [...shape], 'input', this)
    this.inputs.push(v)
    return v
  }

  /**
   * A constant tensor, stored as an initializer. `data` may be one number (filled) or one value per element.
   * Small constants are deduplicated; pass `name` to give a large one (e.g. a rotary table) a stable name.
   */
  constant(data: ArrayLike<number> | ArrayLike<bigint> | number, shape: Shape, dtype: DTypeSpec = 'float', name?: string): Value {
    const dt = this.dtype(dtype)
    const n = numel(shape)
    const arr = typedArrayFor(dt, data, n)
    const key = name === undefined && n <= 64 ? `${dt}|${shape.join(',')}|${Array.from(arr as ArrayLike<number | bigint>).join(',')}` : undefined
    if (key !== undefined) {
      const hit = this.constCache.get(key)
      if (hit) return hit
    }
    const v = new ValueImpl(name === undefined ? this.fresh('c') : this.claim(name), dt, [...shape], 'const', this, undefined, arr)
    this.constants.push(v)
    if (key !== undefined) this.constCache.set(key, v)
    return v
  }

  /** A scalar constant (shape []) of the given dtype (default: the graph's float type). */
  scalar(x: number, dtype: DTypeSpec = 'float'): Value {
    return this.constant(x, [], dtype)
  }

  /** Append a node; returns its output values. Ops in ops.ts call this after inferring shapes. */
  addNode(op: string, inputs: Value[], outTypes: { dtype: DType; shape: Shape }[], attrs: Record<string, AttrValue> = {}, domain = ''): Value[] {
    for (const v of inputs) if (v.graph !== this) throw new Error(`${op}: input ${v.name} belongs to another graph`)
    const node: Node = { op, inputs, outputs: [], attrs, domain }
    node.outputs = outTypes.map((t) => new ValueImpl(this.fresh('v'), t.dtype, [...t.shape], 'node', this, node))
    this.nodes.push(node)
    return node.outputs
  }

  /**
   * Mark `v` as a graph output called `name`. A node result is renamed in place; an input or constant (or a
   * value already output) goes through an Identity node.
   */
  output(v: Value, name: string): Value {
    if (v.graph !== this) throw new Error(`output ${name}: value belongs to another graph`)
    let out = v
    if (v.kind !== 'node' || this.outputs.includes(v)) {
      out = this.addNode('Identity', [v], [{ dtype: v.dtype, shape: v.shape }])[0]
    }
    if (out.name !== name) {
      this.claim(name)
      this.names.delete(out.name)
      ;(out as ValueImpl).name = name
    }
    this.outputs.push(out)
    return out
  }

  /** Graph input by name (throws if absent). */
  getInput(name: string): Value {
    const v = this.inputs.find((x) => x.name === name)
    if (!v) throw new Error(`graph has no input "${name}"`)
    return v
  }
}
