/**
 * Packed per-token arrays: token ids as little-endian int32, log-probs as little-endian float32, stored as
 * `bytea` (4 bytes per token instead of text-encoded arrays). One codec for the edge (writes), the learner and
 * every other reader (reads, through the column types in schema.ts). Workers-safe (Buffer via nodejs_compat).
 */
import { Buffer } from 'node:buffer'

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

function pack(xs: ArrayLike<number>, Typed: Int32ArrayConstructor | Float32ArrayConstructor, set: 'setInt32' | 'setFloat32'): Uint8Array<ArrayBuffer> {
  if (LITTLE_ENDIAN) {
    const t = Typed.from(xs as ArrayLike<number>)
    return new Uint8Array(t.buffer, t.byteOffset, t.byteLength)
  }
  const v = new DataView(new ArrayBuffer(xs.length * 4))
  for (let i = 0; i < xs.length; i++) v[set](i * 4, xs[i], true)
  return new Uint8Array(v.buffer)
}

function unpack(b: Uint8Array, Typed: Int32ArrayConstructor | Float32ArrayConstructor, get: 'getInt32' | 'getFloat32'): number[] {
  if (b.byteLength % 4 !== 0) throw new RangeError(`packed array of ${b.byteLength} bytes is not a multiple of 4`)
  if (LITTLE_ENDIAN) {
    // typed views need 4-byte alignment; Buffers from a driver's pool often are not aligned: copy those
    const src = b.byteOffset % 4 === 0 ? b : b.slice()
    return Array.from(new Typed(src.buffer as ArrayBuffer, src.byteOffset, src.byteLength / 4))
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  return Array.from({ length: b.byteLength / 4 }, (_, i) => v[get](i * 4, true))
}

/** Token ids → little-endian int32 bytes (ids must be int32: the edge validates them). */
export const packInt32 = (xs: ArrayLike<number>) => pack(xs, Int32Array, 'setInt32')
/** Log-probs → little-endian float32 bytes (the precision samplers report; float64 input is rounded). */
export const packFloat32 = (xs: ArrayLike<number>) => pack(xs, Float32Array, 'setFloat32')
export const unpackInt32 = (b: Uint8Array) => unpack(b, Int32Array, 'getInt32')
export const unpackFloat32 = (b: Uint8Array) => unpack(b, Float32Array, 'getFloat32')

/** Base64 of packed bytes (how the single-statement store passes them inside its JSON parameter). */
export const toBase64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
