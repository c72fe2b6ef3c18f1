/** The packed token-array codec: little-endian layout checked byte by byte, round trips, unaligned input. */
import { describe, expect, it } from 'vitest'
import { float32s, fromBase64, int32s, packFloat32, packInt32, toBase64, unpackFloat32, unpackInt32 } from '../../common/packed.js'
import { base64ByGrammar, base64Disagreements, base64Variants } from '../helpers/base64-cases.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('packed arrays', () => {
  it('int32 little-endian, two’s complement, 4 bytes each', () => {
    expect(hex(packInt32([1, 256, -1, 2 ** 31 - 1, -(2 ** 31)]))).toBe('01000000' + '00010000' + 'ffffffff' + 'ffffff7f' + '00000080')
    expect(packInt32([]).byteLength).toBe(0)
  })

  it('float32 little-endian IEEE 754 (float64 input rounds to the nearest float32)', () => {
    // -0.5 = 0xbf000000, 1 = 0x3f800000, -Infinity = 0xff800000
    expect(hex(packFloat32([-0.5, 1, -Infinity]))).toBe('000000bf' + '0000803f' + '000080ff')
    expect(unpackFloat32(packFloat32([0.1]))).toEqual([Math.fround(0.1)])
  })

  it('round-trips, also from a view at an unaligned offset (driver buffers)', () => {
    const ids = [0, 7, 151_643, -5]
    const lps = [-0.25, -1e-7, -30.5, 0]
    expect(unpackInt32(packInt32(ids))).toEqual(ids)
    expect(unpackFloat32(packFloat32(lps))).toEqual(lps.map(Math.fround))
    const big = new Uint8Array(1 + 16)
    big.set(packInt32(ids), 1)
    expect(unpackInt32(big.subarray(1))).toEqual(ids)
  })

  it('refuses a byte length that is not a multiple of 4', () => {
    expect(() => unpackInt32(new Uint8Array(6))).toThrow(/multiple of 4/)
  })

  it('base64 of the packed bytes', () => {
    expect(toBase64(packInt32([1]))).toBe(Buffer.from([1, 0, 0, 0]).toString('base64'))
  })

  it('base64 back to bytes only when canonical (standard alphabet, padding, zero trailing bits)', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 7])
    expect(Buffer.from(fromBase64('+/+/AAc=')!)).toEqual(bytes)
    expect(fromBase64('')?.byteLength).toBe(0)
    for (const s of ['+/+/AAc', '-_-_AAc=', '+/+/ AAc=', '+/+/AAd=', '+/+/AAc==', 'ab\ncd==']) expect(fromBase64(s), s).toBeNull()
  })

  it('base64: accepts and refuses exactly what decoding and encoding again does, and what the grammar says', () => {
    // the definition before the shape check (decode, encode again, compare) as a second reference
    const reencoded = (x: string) => (x.length % 4 === 0 && Buffer.from(x, 'base64').toString('base64') === x ? Buffer.from(x, 'base64').toString('hex') : null)
    const { checked, differ } = base64Disagreements(fromBase64)
    expect(differ).toEqual([])
    expect(checked).toBeGreaterThan(100_000)
    expect(base64Variants().filter((v) => reencoded(v) !== base64ByGrammar(v))).toEqual([])
  })

  it('base64 without Node\'s Buffer (atob: a browser), the same verdicts', async () => {
    const saved = globalThis.Buffer
    try {
      delete (globalThis as { Buffer?: unknown }).Buffer
      const { fromBase64: portable } = await import('../../common/packed.js?no-buffer' as string)
      expect(portable).not.toBe(fromBase64) // a second instance of the module, loaded without Buffer
      globalThis.Buffer = saved
      const { checked, differ } = base64Disagreements(portable)
      expect(differ).toEqual([])
      expect(checked).toBeGreaterThan(100_000)
    } finally {
      globalThis.Buffer = saved
    }
  })

  it('typed views of packed bytes, aligned or not', () => {
    const big = new Uint8Array(1 + 8)
    big.set(packInt32([3, -4]), 1)
    expect(Array.from(int32s(big.subarray(1)))).toEqual([3, -4])
    expect(Array.from(float32s(packFloat32([-0.5, Number.NEGATIVE_INFINITY])))).toEqual([-0.5, Number.NEGATIVE_INFINITY])
  })
})
