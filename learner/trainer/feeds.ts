/**
 * Feeds for the model graphs: parameters by HF name, token ids and [B,T] float rows as onnxruntime tensors
 * (float32, or widened to float64 for the float64 check graphs).
 */
import type * as ort from 'onnxruntime-node'
import { paramSpecs, type ModelConfig, type ParamSpec } from '../config.js'
import type { FloatType } from '../model/index.js'
import { tensor } from '../runtime/index.js'

/** Typed array of the float type from any numbers (no copy when it already is one). */
export function floats(data: ArrayLike<number>, float: FloatType = 'float32'): Float32Array | Float64Array {
  if (float === 'float32') return data instanceof Float32Array ? data : Float32Array.from(data)
  return data instanceof Float64Array ? data : Float64Array.from(data)
}

/** One tensor per parameter, keyed by HF name (float32 tensors view the given buffers). */
export function paramFeeds(cfg: ModelConfig, params: ReadonlyMap<string, Float32Array>, float: FloatType = 'float32'): Record<string, ort.Tensor> {
  return specFeeds(paramSpecs(cfg), params, float)
}

/** One tensor per spec (e.g. LoRA adapters: learner/lora loraSpecs), keyed by name. */
export function specFeeds(specs: readonly ParamSpec[], params: ReadonlyMap<string, Float32Array>, float: FloatType = 'float32'): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {}
  for (const s of specs) {
    const data = params.get(s.name)
    if (!data) throw new Error(`feeds: missing parameter ${s.name}`)
    out[s.name] = tensor(float, floats(data, float), s.shape)
  }
  return out
}

/** int64 [B,T] from rows of token ids (all rows of length T). */
export function idsTensor(rows: readonly (readonly number[])[]): ort.Tensor {
  const T = rows[0]?.length ?? 0
  const data = new BigInt64Array(rows.length * T)
  rows.forEach((r, b) => {
    if (r.length !== T) throw new Error(`input_ids: row ${b} has ${r.length} tokens, expected ${T}`)
    r.forEach((x, t) => { data[b * T + t] = BigInt(x) })
  })
  return tensor('int64', data, [rows.length, T])
}

/** float [B,T] from rows. */
export function rowsTensor(rows: readonly (readonly number[])[], float: FloatType = 'float32'): ort.Tensor {
  const T = rows[0]?.length ?? 0
  return tensor(float, floats(rows.flat(), float), [rows.length, T])
}

/** float scalar []. */
export const scalarTensor = (x: number, float: FloatType = 'float32') => tensor(float, floats([x], float), [])
