/**
 * Runtime: session cache per key, in-place fetches, feed checking, execution-provider selection and the
 * error for a provider that cannot start here.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Graph, encodeModel, ops as o } from '../../../learner/graph/index.js'
import { ExecutionProviderUnavailable, Runtime, resolveEp, tensor, zerosFor } from '../../../learner/runtime/index.js'

function axpy() {
  const g = new Graph()
  const x = g.input('x', 'float', [4])
  const y = g.input('y', 'float', [4])
  g.output(o.add(o.mul(x, 2), y), 'z')
  g.output(o.reduceSum(x), 's')
  return { g, bytes: encodeModel(g) }
}

const rt = new Runtime({ ep: 'cpu', threads: 1 })
afterAll(() => rt.close())

describe('Runtime', () => {
  it('builds a session once per key', async () => {
    let builds = 0
    const build = () => (builds++, axpy().bytes)
    const [a, b] = await Promise.all([rt.session('axpy/4', build), rt.session('axpy/4', build)])
    expect(a).toBe(b)
    expect(builds).toBe(1)
    await rt.session('axpy/4b', build)
    expect(builds).toBe(2)
    expect(rt.keys()).toEqual(['axpy/4', 'axpy/4b'])
  })

  it('fills pre-allocated fetches in place and fetches only what is asked', async () => {
    const s = await rt.session('axpy/4', () => axpy().bytes)
    const feeds = { x: tensor('float32', new Float32Array([1, 2, 3, 4]), [4]), y: tensor('float32', new Float32Array([1, 1, 1, 1]), [4]) }
    const z = zerosFor({ dtype: 'float32', shape: [4] })
    const buf = z.data as Float32Array
    const out = await s.run(feeds, { z })
    expect(Object.keys(out)).toEqual(['z'])
    expect(Array.from(buf)).toEqual([3, 5, 7, 9]) // written into our buffer
    const all = await s.run(feeds)
    expect(Number(all.s.data[0])).toBe(10)
    expect(Object.keys(await s.run(feeds, ['s']))).toEqual(['s'])
  })

  it('names missing, unknown feeds and unknown fetches', async () => {
    const s = await rt.session('axpy/4', () => axpy().bytes)
    const x = tensor('float32', new Float32Array(4), [4])
    await expect(s.run({ x, w: x })).rejects.toThrow(/missing feeds y; unknown feeds w/)
    await expect(s.run({ x, y: x }, { nope: null })).rejects.toThrow(/unknown fetches nope/)
    await expect(s.run({ x, y: x }, ['z', 'nope2'])).rejects.toThrow(/unknown fetches nope2$/)
  })

  it('passes a session\'s own onnxruntime options (here its profiler) to that session only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-session-ort-'))
    try {
      const s = await rt.session('axpy/4/profiled', () => axpy().bytes, { ort: { enableProfiling: true, profileFilePrefix: join(dir, 'p') } })
      const x = tensor('float32', new Float32Array(4), [4])
      await s.run({ x, y: x })
      s.inner.endProfiling()
      expect((await readdir(dir)).filter((f) => f.startsWith('p') && f.endsWith('.json'))).toHaveLength(1)
      await (await rt.session('axpy/4', () => axpy().bytes)).run({ x, y: x })
      expect(await readdir(dir)).toHaveLength(1) // the other sessions are not profiled
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('reports a broken model with its key', async () => {
    await expect(rt.session('broken', new Uint8Array([1, 2, 3]))).rejects.toThrow(/session broken: onnxruntime could not load/)
    expect(rt.keys()).not.toContain('broken') // failed builds are not cached
  })
})

describe('execution providers', () => {
  it('resolves from option, then COHORT_EP, then cpu; rejects unknown names', () => {
    expect(resolveEp(undefined, {})).toBe('cpu')
    expect(resolveEp(undefined, { COHORT_EP: 'WebGPU' })).toBe('webgpu')
    expect(resolveEp('cuda', { COHORT_EP: 'webgpu' })).toBe('cuda')
    expect(() => resolveEp('tpu', {})).toThrow(/unknown execution provider "tpu".*cpu, cuda, webgpu/)
  })

  // On this machine neither provider can start (no CUDA libraries, no WebGPU adapter); where one can, the
  // session must work and compute the same result as on cpu.
  it.each(['cuda', 'webgpu'] as const)('%s: works, or fails with ExecutionProviderUnavailable', async (ep) => {
    const r = new Runtime({ ep })
    try {
      const s = await r.session('axpy', axpy().bytes, { keepOnDevice: ['z'] })
      const out = await s.run({ x: tensor('float32', new Float32Array([1, 2, 3, 4]), [4]), y: tensor('float32', new Float32Array(4), [4]) }, ['s'])
      expect(Number(out.s.data[0])).toBe(10)
    } catch (e) {
      expect(e).toBeInstanceOf(ExecutionProviderUnavailable)
      expect(String(e)).toMatch(new RegExp(`execution provider "${ep}" is unavailable on this machine: .+ Fix: `))
    } finally {
      await r.close()
    }
  })
})
