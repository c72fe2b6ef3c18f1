import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  halfToFloat,
  parseSafetensors,
  readSafetensors,
  readSafetensorsFile,
  writeSafetensorsFile,
  SafetensorsError,
  toFloat32,
  writeSafetensors,
  type Tensor,
} from '../../../learner/io/index.js'

/** Build a file by hand from a header object and raw data bytes (independent of the writer). */
function handmade(header: object, data: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad))
  const out = new Uint8Array(8 + json.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true)
  out.set(json, 8)
  out.set(data, 8 + json.length)
  return out
}

describe('safetensors', () => {
  it('reads a hand-built file (little-endian f32 and i64, metadata)', () => {
    const data = new Uint8Array(16 + 8)
    const dv = new DataView(data.buffer)
    ;[1.5, -2, 0.25, 1e6].forEach((v, i) => dv.setFloat32(i * 4, v, true))
    dv.setBigInt64(16, -7n, true)
    const buf = handmade(
      {
        __metadata__: { format: 'pt' },
        w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        n: { dtype: 'I64', shape: [1], data_offsets: [16, 24] },
      },
      data,
      3, // unaligned header: tensors must be copied, not viewed
    )
    const { tensors, metadata } = parseSafetensors(buf)
    expect(metadata).toEqual({ format: 'pt' })
    expect(tensors.w.shape).toEqual([2, 2])
    expect(Array.from(tensors.w.data as Float32Array)).toEqual([1.5, -2, 0.25, 1e6])
    expect((tensors.n.data as BigInt64Array)[0]).toBe(-7n)
  })

  it('round-trips every dtype, header padded to 8 bytes', () => {
    const t: Record<string, Tensor> = {
      f64: { dtype: 'F64', shape: [3], data: new Float64Array([1, Math.PI, -0]) },
      f32: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      f16: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
      bf16: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) },
      i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([1n, -(2n ** 40n)]) },
      i32: { dtype: 'I32', shape: [1, 1], data: new Int32Array([-5]) },
      u8: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
      bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
      scalar: { dtype: 'F32', shape: [], data: new Float32Array([7]) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    }
    const buf = writeSafetensors(t, { note: 'x' })
    const n = Number(new DataView(buf.buffer).getBigUint64(0, true))
    expect(n % 8).toBe(0)
    const { tensors, metadata } = parseSafetensors(buf)
    expect(metadata).toEqual({ note: 'x' })
    expect(Object.keys(tensors)).toEqual(Object.keys(t))
    for (const [k, v] of Object.entries(t)) {
      expect(tensors[k].dtype).toBe(v.dtype)
      expect(tensors[k].shape).toEqual(v.shape)
      expect(Array.from(tensors[k].data as ArrayLike<unknown>)).toEqual(Array.from(v.data as ArrayLike<unknown>))
    }
  })

  it('widens F16, BF16 and F64 to float32', () => {
    // F16 bit patterns: 1, -2, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest normal), +inf
    const f16 = toFloat32({ dtype: 'F16', shape: [6], data: new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00]) })
    expect(Array.from(f16)).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, Infinity])
    expect(halfToFloat(0x7e00)).toBeNaN()
    // BF16 bit patterns: 1, -1.5, 3.140625 (0x4049)
    const bf = toFloat32({ dtype: 'BF16', shape: [3], data: new Uint16Array([0x3f80, 0xbfc0, 0x4049]) })
    expect(Array.from(bf)).toEqual([1, -1.5, 3.140625])
    expect(Array.from(toFloat32({ dtype: 'F64', shape: [1], data: new Float64Array([0.1]) }))).toEqual([Math.fround(0.1)])
    expect(() => toFloat32({ dtype: 'I32', shape: [1], data: new Int32Array(1) })).toThrow(/not a floating dtype/)
  })

  const entry = (dtype: string, shape: number[], offs: number[]) => ({ dtype, shape, data_offsets: offs })
  const bad: [string, Uint8Array, RegExp][] = [
    ['too small', new Uint8Array(4), /too small/],
    ['header past end', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 100n, true); return b })(), /past the end/],
    ['huge header', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true); return b })(), /exceeds/],
    ['not json', handmade({}, new Uint8Array(0)).map((x, i) => (i === 8 ? 0x7b + 1 : x)), /not valid UTF-8 JSON/],
    ['array header', handmade([] as unknown as object, new Uint8Array(0)), /JSON object/],
    ['bad dtype', handmade({ a: entry('F8', [1], [0, 1]) }, new Uint8Array(1)), /a: unsupported dtype "F8"/],
    ['bad shape', handmade({ a: entry('U8', [-1], [0, 1]) }, new Uint8Array(1)), /a: shape/],
    ['bad offsets', handmade({ a: entry('U8', [1], [2, 1]) }, new Uint8Array(2)), /a: data_offsets/],
    ['out of bounds', handmade({ a: entry('F32', [2], [0, 8]) }, new Uint8Array(4)), /a: data_offsets \[0, 8\] out of bounds/],
    ['size mismatch', handmade({ a: entry('F32', [3], [0, 8]) }, new Uint8Array(8)), /a: 8 bytes for F32\[3\], expected 12/],
    ['overlap', handmade({ a: entry('F32', [2], [0, 8]), b: entry('F32', [1], [4, 8]) }, new Uint8Array(8)), /overlap/],
    ['bad metadata', handmade({ __metadata__: { n: 1 } }, new Uint8Array(0)), /__metadata__\.n must be a string/],
  ]
  it.each(bad)('rejects %s with a clear error', (_, buf, msg) => {
    expect(() => readSafetensors(buf)).toThrow(SafetensorsError)
    expect(() => readSafetensors(buf)).toThrow(msg)
  })

  it('writer rejects inconsistent tensors', () => {
    expect(() => writeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/2 elements/)
    expect(() => writeSafetensors({ a: { dtype: 'F64', shape: [1], data: new Float32Array(1) } })).toThrow(/does not hold F64/)
  })

  it('reads tensors from a subarray of a larger buffer', () => {
    const inner = writeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([3, 4]) } })
    const outer = new Uint8Array(inner.length + 5)
    outer.set(inner, 5)
    expect(Array.from(readSafetensors(outer.subarray(5)).a.data as Float32Array)).toEqual([3, 4])
  })
})

describe('readSafetensorsFile / writeSafetensorsFile', () => {
  it('streams to and from disk (same bytes as the buffer writer), honours select, validates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-st-'))
    try {
      const t: Record<string, Tensor> = {
        a: { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
        b: { dtype: 'BF16', shape: [1], data: Uint16Array.from([0x3f80]) },
      }
      await writeSafetensorsFile(join(dir, 'x.safetensors'), t, { format: 'pt' })
      expect(new Uint8Array(await readFile(join(dir, 'x.safetensors')))).toEqual(writeSafetensors(t, { format: 'pt' }))
      const r = await readSafetensorsFile(join(dir, 'x.safetensors'))
      expect(r.metadata).toEqual({ format: 'pt' })
      expect(Array.from(r.tensors.a.data as Float32Array)).toEqual([1, 2, 3, 4])
      expect(Array.from(toFloat32(r.tensors.b))).toEqual([1])
      expect(Object.keys((await readSafetensorsFile(join(dir, 'x.safetensors'), (n) => n === 'b')).tensors)).toEqual(['b'])
      const truncated = writeSafetensors(t).subarray(0, -2)
      await writeFile(join(dir, 'bad.safetensors'), truncated)
      await expect(readSafetensorsFile(join(dir, 'bad.safetensors'))).rejects.toThrow(/out of bounds/)
      await writeFile(join(dir, 'tiny.safetensors'), new Uint8Array(3))
      await expect(readSafetensorsFile(join(dir, 'tiny.safetensors'))).rejects.toThrow(/too small/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
