import { describe, expect, it } from 'vitest'
import type { ParamSpec } from '../../../learner/config.js'
import { AdamW, checkSchedule, clipScale, globalGradNorm, loadAdamWState, lrAt, saveAdamWState } from '../../../learner/optim/index.js'

const specs: ParamSpec[] = [
  { name: 'w', shape: [2, 3], decay: true },
  { name: 'norm.weight', shape: [3], decay: false },
]
const init = () => [Float32Array.from([0.5, -1, 2, 0.1, 0, -0.3]), Float32Array.from([1, 1, 1])]
/** known gradients for step t (1-based): different signs and magnitudes per step */
const gradAt = (t: number) => [
  Float32Array.from([0.3, -0.2, 1.5, -0.05, 0.8, 0.01].map((g, j) => g * (t % 2 ? 1 : -0.5) + 0.1 * j * t)),
  Float32Array.from([2, -1, 0.5].map((g) => g * t)),
]

/** AdamW written out by hand in float64 (torch.optim.AdamW + clip_grad_norm_ semantics). */
function reference(steps: number, lrs: number[], o: { b1: number; b2: number; eps: number; wd: number; maxNorm: number }) {
  const p = init().map((a) => Array.from(a))
  const m = p.map((a) => a.map(() => 0))
  const v = p.map((a) => a.map(() => 0))
  for (let t = 1; t <= steps; t++) {
    const g = gradAt(t).map((a) => Array.from(a))
    const norm = Math.sqrt(g.flat().reduce((s, x) => s + x * x, 0))
    const c = Math.min(1, o.maxNorm / (norm + 1e-6))
    const lr = lrs[t - 1]
    for (let i = 0; i < p.length; i++)
      for (let j = 0; j < p[i].length; j++) {
        if (specs[i].decay) p[i][j] -= lr * o.wd * p[i][j]
        const gj = g[i][j] * c
        m[i][j] = o.b1 * m[i][j] + (1 - o.b1) * gj
        v[i][j] = o.b2 * v[i][j] + (1 - o.b2) * gj * gj
        const mhat = m[i][j] / (1 - o.b1 ** t)
        const vhat = v[i][j] / (1 - o.b2 ** t)
        p[i][j] -= (lr * mhat) / (Math.sqrt(vhat) + o.eps)
      }
  }
  return p
}

describe('AdamW', () => {
  const o = { b1: 0.8, b2: 0.95, eps: 1e-8, wd: 0.1, maxNorm: 3.5 }
  const schedule = { kind: 'cosine' as const, lr: 0.05, warmupSteps: 2, totalSteps: 6, minLrRatio: 0.1 }
  const lrs = Array.from({ length: 5 }, (_, k) => lrAt(k, schedule))

  it('matches AdamW by hand in float64 over 5 steps (bias correction, decay on matrices only, clipping)', () => {
    const opt = new AdamW(specs, { beta1: o.b1, beta2: o.b2, eps: o.eps, weightDecay: o.wd, maxGradNorm: o.maxNorm })
    const p = init()
    const clips: number[] = []
    for (let t = 1; t <= 5; t++) clips.push(opt.step(p, gradAt(t), lrs[t - 1]).clip)
    expect(clips.some((c) => c < 1)).toBe(true) // clipping fired
    expect(clips.some((c) => c === 1)).toBe(true) // and not always
    const ref = reference(5, lrs, o)
    for (let i = 0; i < p.length; i++)
      for (let j = 0; j < p[i].length; j++) expect(p[i][j]).toBeCloseTo(ref[i][j], 6)
    expect(opt.t).toBe(5)
  })

  it('weight decay reaches matrices and not norms', () => {
    // zero gradients: Adam's term is 0, only decay moves the weights
    const opt = new AdamW(specs, { weightDecay: 0.5 })
    const p = init()
    opt.step(p, specs.map((s) => new Float32Array(s.shape.reduce((a, b) => a * b, 1))), 0.1)
    expect(Array.from(p[0])).toEqual(Array.from(init()[0]).map((x) => Math.fround(x * 0.95)))
    expect(Array.from(p[1])).toEqual([1, 1, 1])
  })

  it('writes to separate output buffers (ping-pong) exactly as in place', () => {
    const a = new AdamW(specs, { weightDecay: 0.1 })
    const b = new AdamW(specs, { weightDecay: 0.1 })
    const inPlace = init()
    let cur = init()
    let next = init().map((x) => new Float32Array(x.length))
    for (let t = 1; t <= 3; t++) {
      a.step(inPlace, gradAt(t), 0.01)
      b.step(cur, gradAt(t), 0.01, next)
      ;[cur, next] = [next, cur]
    }
    expect(cur).toEqual(inPlace)
  })

  it('skips a step with a non-finite gradient, changing nothing', () => {
    const opt = new AdamW(specs)
    const p = init()
    opt.step(p, gradAt(1), 0.01)
    const before = p.map((x) => x.slice())
    const m = opt.m.map((x) => x.slice())
    const g = gradAt(2)
    g[1][0] = NaN
    const r = opt.step(p, g, 0.01)
    expect(r.skipped).toBe(true)
    expect(p).toEqual(before)
    expect(opt.m).toEqual(m)
    expect(opt.t).toBe(1)
  })

  it('state save/load resumes the exact trajectory', () => {
    const opts = { weightDecay: 0.1, maxGradNorm: 1 }
    const full = new AdamW(specs, opts)
    const p = init()
    for (let t = 1; t <= 4; t++) full.step(p, gradAt(t), lrs[t - 1])
    const first = new AdamW(specs, opts)
    const q = init()
    for (let t = 1; t <= 2; t++) first.step(q, gradAt(t), lrs[t - 1])
    const resumed = new AdamW(specs, opts)
    loadAdamWState(resumed, saveAdamWState(first))
    expect(resumed.t).toBe(2)
    for (let t = 3; t <= 4; t++) resumed.step(q, gradAt(t), lrs[t - 1])
    expect(q).toEqual(p)
    const other = new AdamW([{ name: 'w', shape: [6], decay: true }])
    expect(() => loadAdamWState(other, saveAdamWState(first))).toThrow(/missing exp_avg\.w|expected F32/)
  })

  it('rejects bad options and mismatched buffers', () => {
    expect(() => new AdamW(specs, { beta1: 1 })).toThrow(/beta1/)
    expect(() => new AdamW(specs, { eps: 0 })).toThrow(/eps/)
    expect(() => new AdamW(specs).step([new Float32Array(6)], [new Float32Array(6)], 0.1)).toThrow(/expected 2/)
    expect(() => new AdamW(specs).step(init(), [new Float32Array(5), new Float32Array(3)], 0.1)).toThrow(/w has the wrong length/)
  })
})

describe('gradient norm and clipping', () => {
  it('global norm over all tensors; clip = min(1, max / (norm + 1e-6))', () => {
    expect(globalGradNorm([Float32Array.from([3]), Float32Array.from([4, 0])])).toBe(5)
    expect(clipScale(5, 1)).toBeCloseTo(1 / (5 + 1e-6), 15)
    expect(clipScale(0.5, 1)).toBe(1)
    expect(clipScale(100, undefined)).toBe(1)
  })
})

describe('lrAt', () => {
  it('linear warmup from lr/warmup, cosine down to the floor, then flat', () => {
    const s = { kind: 'cosine' as const, lr: 1, warmupSteps: 4, totalSteps: 14, minLrRatio: 0.1 }
    expect([0, 1, 2, 3].map((k) => lrAt(k, s))).toEqual([0.25, 0.5, 0.75, 1])
    expect(lrAt(4, s)).toBe(1)
    expect(lrAt(9, s)).toBeCloseTo(0.55, 12) // halfway: 0.1 + 0.9·0.5
    expect(lrAt(14, s)).toBeCloseTo(0.1, 12)
    expect(lrAt(100, s)).toBeCloseTo(0.1, 12)
    expect(lrAt(50, { kind: 'constant', lr: 0.3, warmupSteps: 0 })).toBe(0.3)
    expect(lrAt(0, { kind: 'constant', lr: 0.3, warmupSteps: 3 })).toBeCloseTo(0.1, 12)
  })
  it('cosine over totalSeconds: progress is the given training seconds, not the update count', () => {
    const s = { kind: 'cosine' as const, lr: 1, warmupSteps: 0, totalSeconds: 180, minLrRatio: 0.1 }
    expect(lrAt(500, s, 0)).toBe(1) // many updates, no time: the peak
    expect(lrAt(3, s, 90)).toBeCloseTo(0.55, 12) // half the seconds: halfway, whatever the updates
    expect(lrAt(3, s, 180)).toBeCloseTo(0.1, 12)
    expect(lrAt(3, s, 1e6)).toBeCloseTo(0.1, 12)
    expect(() => checkSchedule({ ...s, totalSteps: 600 })).toThrow(/not both/)
    expect(() => checkSchedule({ ...s, totalSeconds: 0 })).toThrow(/totalSeconds/)
  })

  it('rejects inconsistent schedules', () => {
    expect(() => checkSchedule({ kind: 'cosine', lr: 1, warmupSteps: 5, totalSteps: 5 })).toThrow(/totalSteps/)
    expect(() => checkSchedule({ kind: 'cosine', lr: 1, warmupSteps: 0, totalSteps: 5, minLrRatio: 2 })).toThrow(/minLrRatio/)
    expect(() => checkSchedule({ kind: 'constant', lr: -1, warmupSteps: 0 })).toThrow(/lr/)
    expect(() => checkSchedule({ kind: 'constant', lr: 1, warmupSteps: 0 })).not.toThrow()
  })
})
