/**
 * The AdamW update graph vs AdamW worked by hand in float64 (bias correction, decoupled decay, no decay on
 * norms/biases, global-norm clipping), over several steps with the outputs fed back; a non-finite gradient
 * changes nothing; and the float32 graph agrees with the fused CPU optimizer in learner/optim.
 */
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import type { ParamSpec } from '../../../learner/config.js'
import { adamwNames, buildAdamWGraph } from '../../../learner/graph/adamw.js'
import { encodeModel } from '../../../learner/graph/index.js'
import { AdamW } from '../../../learner/optim/index.js'
import { createRng } from '../../../learner/sample/rng.js'

const specs: ParamSpec[] = [
  { name: 'w', shape: [3, 4], decay: true },
  { name: 'norm', shape: [4], decay: false },
  { name: 'b', shape: [2], decay: false },
]
const HP = { beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, maxGradNorm: 0.5 }

/** AdamW by hand (torch.optim.AdamW's documented algorithm), float64, on plain arrays. */
function byHand(p: number[][], g: number[][], m: number[][], v: number[][], lr: number, t: number) {
  const norm = Math.sqrt(g.flat().reduce((s, x) => s + x * x, 0))
  const clip = Math.min(1, HP.maxGradNorm / (norm + 1e-6))
  return specs.map((s, i) => {
    const out = { p: [] as number[], m: [] as number[], v: [] as number[] }
    for (let j = 0; j < p[i].length; j++) {
      const gj = g[i][j] * clip
      const mj = HP.beta1 * m[i][j] + (1 - HP.beta1) * gj
      const vj = HP.beta2 * v[i][j] + (1 - HP.beta2) * gj * gj
      const mhat = mj / (1 - HP.beta1 ** t)
      const vhat = vj / (1 - HP.beta2 ** t)
      let pj = p[i][j]
      if (s.decay) pj -= lr * HP.weightDecay * pj // decoupled: not through the moments
      pj -= (lr * mhat) / (Math.sqrt(vhat) + HP.eps)
      out.p.push(pj); out.m.push(mj); out.v.push(vj)
    }
    return out
  })
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1)
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((d, x, i) => Math.max(d, Math.abs(x - b[i])), 0)

describe('AdamW update graph', () => {
  it('matches AdamW by hand in float64 over 3 steps (clipping active, decay mask)', async () => {
    const session = await ort.InferenceSession.create(encodeModel(buildAdamWGraph(specs, HP, 'float64')))
    const rng = createRng(7)
    let p = specs.map((s) => Array.from({ length: numel(s.shape) }, () => rng.normal()))
    let m = specs.map((s) => new Array(numel(s.shape)).fill(0))
    let v = specs.map((s) => new Array(numel(s.shape)).fill(0))
    let worst = 0
    for (let t = 1; t <= 3; t++) {
      const g = specs.map((s) => Array.from({ length: numel(s.shape) }, () => rng.normal()))
      const lr = 0.01 * t
      const feeds: Record<string, ort.Tensor> = { lr: new ort.Tensor('float64', [lr], []), step: new ort.Tensor('float64', [t], []) }
      specs.forEach((s, i) => {
        const n = adamwNames(s.name)
        const T = (x: number[]) => new ort.Tensor('float64', Float64Array.from(x), s.shape)
        Object.assign(feeds, { [n.param]: T(p[i]), [n.grad]: T(g[i]), [n.m]: T(m[i]), [n.v]: T(v[i]) })
      })
      const r = await session.run(feeds)
      const want = byHand(p, g, m, v, lr, t)
      expect(Number(r.clip.data[0])).toBeLessThan(1) // clipping really engaged
      specs.forEach((s, i) => {
        const n = adamwNames(s.name)
        worst = Math.max(worst, maxDiff(r[n.newParam].data as Float64Array, want[i].p), maxDiff(r[n.newM].data as Float64Array, want[i].m), maxDiff(r[n.newV].data as Float64Array, want[i].v))
      })
      // decay moves `w` by lr·wd·p ≈ 1e-3 per step, so a missing or misapplied mask would break the 1e-12 bound
      p = specs.map((s) => Array.from(r[adamwNames(s.name).newParam].data as Float64Array))
      m = specs.map((s) => Array.from(r[adamwNames(s.name).newM].data as Float64Array))
      v = specs.map((s) => Array.from(r[adamwNames(s.name).newV].data as Float64Array))
    }
    console.log(`AdamW graph vs by-hand float64, 3 steps: max abs diff ${worst.toExponential(2)}`)
    expect(worst).toBeLessThan(1e-12)
  })

  it('a non-finite gradient leaves parameters and moments unchanged', async () => {
    const one: ParamSpec[] = [{ name: 'w', shape: [3], decay: true }]
    const session = await ort.InferenceSession.create(encodeModel(buildAdamWGraph(one, HP, 'float64')))
    const T = (x: number[]) => new ort.Tensor('float64', Float64Array.from(x), [3])
    const r = await session.run({ w: T([1, 2, 3]), 'grad.w': T([0.1, NaN, 0.2]), 'm.w': T([0.5, 0.5, 0.5]), 'v.w': T([1, 1, 1]), lr: new ort.Tensor('float64', [0.1], []), step: new ort.Tensor('float64', [2], []) })
    expect(Array.from(r['new.w'].data as Float64Array)).toEqual([1, 2, 3])
    expect(Array.from(r['new.m.w'].data as Float64Array)).toEqual([0.5, 0.5, 0.5])
    expect(Array.from(r['new.v.w'].data as Float64Array)).toEqual([1, 1, 1])
    expect(Number.isNaN(Number(r.grad_norm.data[0]))).toBe(true)
  })

  it('float32 graph agrees with the fused CPU AdamW of learner/optim over 3 steps', async () => {
    const session = await ort.InferenceSession.create(encodeModel(buildAdamWGraph(specs, HP, 'float32')))
    const cpu = new AdamW(specs, HP)
    const rng = createRng(11)
    const p = specs.map((s) => Float32Array.from({ length: numel(s.shape) }, () => rng.normal()))
    let gp: Float32Array[] = p.map((x) => x.slice())
    let gm: Float32Array[] = specs.map((s) => new Float32Array(numel(s.shape)))
    let gv: Float32Array[] = specs.map((s) => new Float32Array(numel(s.shape)))
    let worst = 0
    for (let t = 1; t <= 3; t++) {
      const g = specs.map((s) => Float32Array.from({ length: numel(s.shape) }, () => rng.normal()))
      cpu.step(p, g, 1e-2)
      const feeds: Record<string, ort.Tensor> = { lr: new ort.Tensor('float32', [1e-2], []), step: new ort.Tensor('float32', [t], []) }
      specs.forEach((s, i) => {
        const n = adamwNames(s.name)
        Object.assign(feeds, { [n.param]: new ort.Tensor('float32', gp[i], s.shape), [n.grad]: new ort.Tensor('float32', g[i], s.shape), [n.m]: new ort.Tensor('float32', gm[i], s.shape), [n.v]: new ort.Tensor('float32', gv[i], s.shape) })
      })
      const r = await session.run(feeds)
      gp = specs.map((s) => r[adamwNames(s.name).newParam].data as Float32Array)
      gm = specs.map((s) => r[adamwNames(s.name).newM].data as Float32Array)
      gv = specs.map((s) => r[adamwNames(s.name).newV].data as Float32Array)
      specs.forEach((_s, i) => { worst = Math.max(worst, maxDiff(gp[i], p[i]), maxDiff(gm[i], cpu.m[i]), maxDiff(gv[i], cpu.v[i])) })
    }
    console.log(`AdamW graph (float32) vs learner/optim fused loop: max abs diff ${worst.toExponential(2)}`)
    expect(worst).toBeLessThan(1e-6)
  })
})
