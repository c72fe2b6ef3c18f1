/**
 * Packed per-token arrays: token ids as little-endian int32, log-probs as little-endian float32 — 4 bytes per
 * token. The same bytes are stored (`bytea`), hashed (the submission's idempotency key) and may be sent on the
 * wire as base64 (the compact encoding of POST /v1/leases/{id}/group and /v1/groups). One codec for the edge,
 * the learner, every reader and the clients (rollout workers, the browser worker): portable — Node's / workerd's
 * Buffer where there is one (native base64), atob/btoa elsewhere.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Node's Buffer (also workerd's with nodejs_compat); absent in browsers. */
const NodeBuffer = (globalThis as { Buffer?: typeof import('node:buffer').Buffer }).Buffer

type Typed = Int32ArrayConstructor | Float32ArrayConstructor

function pack(xs: ArrayLike<number>, T: Typed, set: 'setInt32' | 'setFloat32'): Uint8Array<ArrayBuffer> {
  if (LITTLE_ENDIAN) {
    const t = T.from(xs)
    return new Uint8Array(t.buffer, t.byteOffset, t.byteLength)
  }
  const v = new DataView(new ArrayBuffer(xs.length * 4))
  for (let i = 0; i < xs.length; i++) v[set](i * 4, xs[i], true)
  return new Uint8Array(v.buffer)
}

/** The packed bytes as a typed array of host numbers (a view where the bytes allow it, else a copy). */
function view<A extends Int32Array | Float32Array>(b: Uint8Array, T: { new (b: ArrayBuffer, at: number, n: number): A; new (n: number): A }, get: 'getInt32' | 'getFloat32'): A {
  if (b.byteLength % 4 !== 0) throw new RangeError(`packed array of ${b.byteLength} bytes is not a multiple of 4`)
  const n = b.byteLength / 4
  if (LITTLE_ENDIAN) {
    // typed views need 4-byte alignment; Buffers from a driver's or base64 decoder's pool often are not aligned
    const src = b.byteOffset % 4 === 0 ? b : b.slice()
    return new T(src.buffer as ArrayBuffer, src.byteOffset, n)
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const out = new T(n)
  for (let i = 0; i < n; i++) out[i] = v[get](i * 4, true)
  return out
}

/** Token ids → little-endian int32 bytes (ids must be int32: the edge validates them). */
export const packInt32 = (xs: ArrayLike<number>) => pack(xs, Int32Array, 'setInt32')
/** Log-probs → little-endian float32 bytes (the precision samplers report; float64 input is rounded). */
export const packFloat32 = (xs: ArrayLike<number>) => pack(xs, Float32Array, 'setFloat32')
/** Packed int32 bytes as an Int32Array (no copy when aligned on a little-endian host). */
export const int32s = (b: Uint8Array) => view(b, Int32Array, 'getInt32')
/** Packed float32 bytes as a Float32Array (no copy when aligned on a little-endian host). */
export const float32s = (b: Uint8Array) => view(b, Float32Array, 'getFloat32')
export const unpackInt32 = (b: Uint8Array) => Array.from(int32s(b))
export const unpackFloat32 = (b: Uint8Array) => Array.from(float32s(b))

/** Standard base64 (with padding) of bytes. */
export function toBase64(b: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
  let s = ''
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000))
  return btoa(s)
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const ASCII = /^[\x00-\x7f]*$/

/** Every character of `s` is ASCII (Node / workerd: its UTF-8 length is its length, counted natively). */
const isAscii = (s: string) => (NodeBuffer ? NodeBuffer.byteLength(s, 'utf8') === s.length : ASCII.test(s))

/**
 * Standard base64 (with padding) → bytes; null unless `s` is exactly the canonical encoding of those bytes (no
 * whitespace, no URL-safe alphabet, no missing padding, zero trailing bits), so what is stored and hashed is what
 * was sent. Checked by its shape, not by encoding the bytes again (a group's ~22 KB of base64 re-encoded was ~8 % of
 * what the edge allocated per group: issue 15), nor by a regex over every character (~2 µs per KB; this is ~4× less):
 * the length a multiple of 4, every character ASCII and none of the URL-safe `-` `_` (the one other alphabet a
 * decoder reads), the last symbol's unused bits zero — and the decoded length exactly what the length and padding
 * say, which any other character makes fall short: a decoder skips it, stops at it (`=` before the end) or throws.
 */
export function fromBase64(s: string): Uint8Array | null {
  if (s.length % 4 !== 0 || !isAscii(s) || s.includes('-') || s.includes('_')) return null
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0
  // the last symbol's bits past the data: 4 of them before "==", 2 before "="
  if (pad && ALPHABET.indexOf(s[s.length - pad - 1]) & (pad === 2 ? 0b1111 : 0b11)) return null
  let b: Uint8Array
  if (NodeBuffer) b = NodeBuffer.from(s, 'base64')
  else {
    let bin: string
    try {
      bin = atob(s)
    } catch {
      return null // a character outside the alphabet (atob throws where Buffer skips)
    }
    b = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i)
  }
  return b.byteLength === (s.length / 4) * 3 - pad ? b : null
}
