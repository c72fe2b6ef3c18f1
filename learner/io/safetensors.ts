/**
 * safetensors reader/writer (https://github.com/huggingface/safetensors, format v0):
 *   [8 bytes: u64 little-endian N] [N bytes: JSON header, space-padded] [data]
 *   header = { "<name>": { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { str: str } }
 *   offsets are relative to the start of the data section; data is little-endian, row-major.
 *
 * Reading validates the header (JSON shape, known dtype, integer shape, offsets in bounds, byte size equal to
 * numel × dtype size, no two tensors overlapping) and throws `SafetensorsError` with the tensor's name.
 * A tensor whose bytes are suitably aligned is a view on the input buffer (no copy); otherwise it is copied.
 * F16 and BF16 are kept as raw Uint16Array bits: `toFloat32` widens them.
 */

export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL'

export type TensorData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array

export interface Tensor {
  dtype: Dtype
  shape: number[]
  /** row-major elements; F16/BF16 as raw bits (Uint16Array), BOOL as 0/1 bytes. */
  data: TensorData
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError'
}

/** Header JSON larger than this is rejected (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000

const BYTES: Record<Dtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 }

type ArrayCtor = { new (b: ArrayBufferLike, off: number, n: number): TensorData; new (n: number): TensorData }
const CTOR: Record<Dtype, ArrayCtor> = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
} as unknown as Record<Dtype, ArrayCtor>

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

export function readSafetensors(buf: Uint8Array): Record<string, Tensor> {
  return parseSafetensors(buf).tensors
}

/** Tensors plus the `__metadata__` string map; tensors view `buf` where aligned. */
export function parseSafetensors(buf: Uint8Array): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const h = parseHeader(buf, buf.byteLength)
  const tensors: Record<string, Tensor> = {}
  for (const e of h.entries)
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: view(buf, h.dataStart + e.begin, e.dtype, numel(e.shape)) }
  return { tensors, metadata: h.metadata }
}

export interface HeaderEntry {
  name: string
  dtype: Dtype
  shape: number[]
  /** byte offsets relative to the data section */
  begin: number
  end: number
}

export interface Header {
  entries: HeaderEntry[]
  metadata: Record<string, string>
  /** absolute byte offset of the data section (8 + header length) */
  dataStart: number
}

/** Length N of the JSON header from the file's first 8 bytes, checked against the file size. */
export function headerLength(first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || first8.byteLength < 8) throw new SafetensorsError(`file too small (${fileSize} bytes) for a header length`)
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true)
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`header length ${n} exceeds ${MAX_HEADER_BYTES}`)
  if (8 + Number(n) > fileSize)
    throw new SafetensorsError(`header length ${n} runs past the end of the file (${fileSize} bytes)`)
  return Number(n)
}

/**
 * Parse and validate the header. `prefix` holds at least the file's first 8 + N bytes; `fileSize` is the whole
 * file's size (so a reader can validate before reading any tensor data).
 */
export function parseHeader(prefix: Uint8Array, fileSize: number): Header {
  const headerLen = headerLength(prefix, fileSize)
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, 8 + headerLen)))
  } catch (e) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(e as Error).message}`)
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new SafetensorsError('header must be a JSON object')
  const dataStart = 8 + headerLen
  const dataLen = fileSize - dataStart
  const entries: HeaderEntry[] = []
  let metadata: Record<string, string> = {}
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(entry)
      continue
    }
    const { dtype, shape, begin, end } = checkEntry(name, entry)
    if (end > dataLen)
      throw new SafetensorsError(`${name}: data_offsets [${begin}, ${end}] out of bounds (data is ${dataLen} bytes)`)
    const want = numel(shape) * BYTES[dtype]
    if (end - begin !== want)
      throw new SafetensorsError(`${name}: ${end - begin} bytes for ${dtype}[${shape.join(',')}], expected ${want}`)
    entries.push({ name, dtype, shape, begin, end })
  }
  const spans = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin)
  for (let i = 1; i < spans.length; i++) {
    const a = spans[i - 1]
    const b = spans[i]
    if (b.begin < a.end)
      throw new SafetensorsError(`${b.name}: bytes [${b.begin}, ${b.end}] overlap ${a.name} [${a.begin}, ${a.end}]`)
  }
  return { entries, metadata, dataStart }
}

/** An empty typed array for `n` elements of `dtype`. */
export function allocate(dtype: Dtype, n: number): TensorData {
  return new CTOR[dtype](n)
}

function checkMetadata(entry: unknown): Record<string, string> {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
    throw new SafetensorsError('__metadata__ must be an object of strings')
  for (const [k, v] of Object.entries(entry))
    if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} must be a string`)
  return entry as Record<string, string>
}

function checkEntry(name: string, entry: unknown): { dtype: Dtype; shape: number[]; begin: number; end: number } {
  if (entry === null || typeof entry !== 'object') throw new SafetensorsError(`${name}: entry must be an object`)
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown }
  if (typeof e.dtype !== 'string' || !(e.dtype in BYTES))
    throw new SafetensorsError(`${name}: unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(BYTES).join(', ')})`)
  const okInt = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
  if (!Array.isArray(e.shape) || !e.shape.every(okInt))
    throw new SafetensorsError(`${name}: shape must be an array of non-negative integers`)
  const off = e.data_offsets
  if (!Array.isArray(off) || off.length !== 2 || !off.every(okInt) || off[0] > off[1])
    throw new SafetensorsError(`${name}: data_offsets must be [begin, end] with 0 <= begin <= end`)
  return { dtype: e.dtype as Dtype, shape: e.shape as number[], begin: off[0], end: off[1] }
}

/** A typed view on `buf` when aligned, else an aligned copy. */
function view(buf: Uint8Array, byteOffset: number, dtype: Dtype, n: number): TensorData {
  const Ctor = CTOR[dtype]
  const abs = buf.byteOffset + byteOffset
  if (abs % BYTES[dtype] === 0) return new Ctor(buf.buffer, abs, n)
  const copy = new Ctor(n)
  new Uint8Array(copy.buffer).set(buf.subarray(byteOffset, byteOffset + n * BYTES[dtype]))
  return copy
}

/**
 * The bytes before the data section — 8-byte length + JSON header padded with spaces to a multiple of 8, as the
 * reference writer does — for tensors laid out back to back in key order; also the data section's size.
 */
export function encodeHeader(tensors: Record<string, Tensor>, metadata?: Record<string, string>): { prefix: Uint8Array; dataBytes: number } {
  const header: Record<string, unknown> = {}
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata
  let offset = 0
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new SafetensorsError('"__metadata__" is reserved and cannot name a tensor')
    if (!(t.dtype in BYTES)) throw new SafetensorsError(`${name}: unsupported dtype ${t.dtype}`)
    const want = numel(t.shape)
    if (t.data.length !== want)
      throw new SafetensorsError(`${name}: ${t.data.length} elements for shape [${t.shape.join(',')}] (${want})`)
    if (t.data.BYTES_PER_ELEMENT !== BYTES[t.dtype])
      throw new SafetensorsError(`${name}: ${t.data.constructor.name} does not hold ${t.dtype}`)
    const bytes = want * BYTES[t.dtype]
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] }
    offset += bytes
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const padded = Math.ceil(json.length / 8) * 8
  const prefix = new Uint8Array(8 + padded).fill(0x20)
  new DataView(prefix.buffer).setBigUint64(0, BigInt(padded), true)
  prefix.set(json, 8)
  return { prefix, dataBytes: offset }
}

/** A tensor's raw little-endian bytes (a view, no copy). */
export function tensorBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
}

/** Serialize tensors (in the given key order) into one buffer. */
export function writeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const { prefix, dataBytes } = encodeHeader(tensors, metadata)
  const out = new Uint8Array(prefix.length + dataBytes)
  out.set(prefix)
  let at = prefix.length
  for (const t of Object.values(tensors)) {
    out.set(tensorBytes(t), at)
    at += t.data.byteLength
  }
  return out
}

/** Widen a floating tensor to Float32Array (F32 is returned as is, not copied). */
export function toFloat32(t: Tensor): Float32Array {
  const d = t.data
  switch (t.dtype) {
    case 'F32':
      return d as Float32Array
    case 'F64':
      return Float32Array.from(d as Float64Array)
    case 'BF16': {
      const src = d as Uint16Array
      const out = new Float32Array(src.length)
      const bits = new Uint32Array(out.buffer)
      for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16
      return out
    }
    case 'F16': {
      const src = d as Uint16Array
      const out = new Float32Array(src.length)
      for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i])
      return out
    }
    default:
      throw new SafetensorsError(`toFloat32: ${t.dtype} is not a floating dtype`)
  }
}

/** IEEE 754 binary16 bits → number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 0x1f) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}
