/**
 * Tensor helpers between typed arrays and onnxruntime tensors, keyed by the graph builder's dtypes.
 */
import * as ort from 'onnxruntime-node'
import type { ConstData, DType, Shape, Value } from '../graph/index.js'
import { numel } from '../graph/index.js'

/** onnxruntime tensor type names for the builder's dtypes. */
const ORT_TYPE: Record<DType, 'float32' | 'float64' | 'int64' | 'int32' | 'bool'> = {
  float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool',
}

/** A tensor over `data` (no copy) with the given dtype and shape. */
export function tensor(dtype: DType, data: ConstData, shape: Shape): ort.Tensor {
  if (data.length !== numel(shape)) throw new Error(`tensor: ${data.length} values for shape [${shape.join(',')}]`)
  return new ort.Tensor(ORT_TYPE[dtype], data as never, [...shape])
}

/** A zero tensor matching a graph Value (for feeds or pre-allocated fetches). */
export function zerosFor(v: Pick<Value, 'dtype' | 'shape'>): ort.Tensor {
  const n = numel(v.shape)
  const data: ConstData =
    v.dtype === 'float32' ? new Float32Array(n) :
    v.dtype === 'float64' ? new Float64Array(n) :
    v.dtype === 'int64' ? new BigInt64Array(n) :
    v.dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n)
  return tensor(v.dtype, data, v.shape)
}
