/**
 * Core types of the graph builder: element types, symbolic values (static shape + dtype) and nodes.
 * A Value is an SSA edge of the ONNX graph; a Node is one ONNX operator application.
 */
import type { Graph } from './graph.js'

/** Element types the builder knows; names follow onnxruntime-node's Tensor types. */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool'

/** Where a dtype is asked for, 'float' means "the graph's float type" (the float32/float64 build switch). */
export type DTypeSpec = DType | 'float'

export type Shape = readonly number[]

/** ONNX attribute values: numbers are INT unless wrapped with `attrFloat`, arrays likewise. */
export type AttrValue = number | string | number[] | { float: number } | { floats: number[] }

export interface Node {
  op: string
  inputs: Value[]
  outputs: Value[]
  attrs: Record<string, AttrValue>
  /** ONNX domain ('' = ai.onnx). */
  domain: string
  /** set by ops.stopGradient: autodiff treats the node as a constant (not encoded). */
  noGrad?: boolean
  /**
   * set by ops.customGradient: the gradient of this node's output goes straight to `gradInputs` (values
   * upstream of the node) by this rule, instead of through the node's inputs by GRADIENTS[op]
   */
  vjp?: (g: Value) => (Value | undefined)[]
  gradInputs?: Value[]
}

/** Typed data of a constant / initializer. */
export type ConstData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array

export interface Value {
  /** unique name inside its graph (the ONNX value name). */
  readonly name: string
  readonly dtype: DType
  readonly shape: Shape
  /** the node that produced it; undefined for graph inputs and constants. */
  readonly producer?: Node
  /** set for constants (initializers): their data, used e.g. by Pow's gradient rule. */
  readonly data?: ConstData
  /** 'input' | 'const' | 'node' */
  readonly kind: 'input' | 'const' | 'node'
  readonly graph: Graph
}

export const isFloat = (d: DType) => d === 'float32' || d === 'float64'
export const numel = (s: Shape) => s.reduce((a, b) => a * b, 1)
export const fmtShape = (s: Shape) => `[${s.join(',')}]`
