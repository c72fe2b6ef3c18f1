import { describe, expect, it } from 'vitest'
import { createRng, sampleBatch, sampleProbs, sampleToken, tokenLogprob, type SampleOptions } from '../../../learner/sample/index.js'

/** float64 log_softmax(x / T), written out independently of the sampler */
function logSoftmax(x: number[], T = 1): number[] {
  const z = x.map((v) => v / T)
  const m = Math.max(...z)
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0))
  return z.map((v) => v - lse)
}

/** Pearson chi-square of observed counts vs expected probabilities; critical value at p = 0.001 (Wilson–Hilferty). */
function chiSquare(counts: number[], probs: number[]): { stat: number; critical: number } {
  const n = counts.reduce((a, b) => a + b, 0)
  let stat = 0
  let df = -1
  probs.forEach((p, i) => {
    if (p === 0) return expect(counts[i]).toBe(0)
    df++
    stat += (counts[i] - n * p) ** 2 / (n * p)
  })
  const z = 3.0902
  const critical = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3
  return { stat, critical }
}

function histogram(logits: number[], opts: SampleOptions, n: number, seed = 1): number[] {
  const rng = createRng(seed)
  const row = Float32Array.from(logits)
  const counts = new Array(logits.length).fill(0)
  for (let i = 0; i < n; i++) counts[sampleToken(row, opts, rng).token]++
  return counts
}

const renorm = (p: number[], keep: number[]) => {
  const m = keep.reduce((s, i) => s + p[i], 0)
  return p.map((v, i) => (keep.includes(i) ? v / m : 0))
}

describe('createRng', () => {
  it('is deterministic per seed and uniform', () => {
    const a = createRng(42)
    const b = createRng(42)
    const c = createRng(43)
    const xs = Array.from({ length: 1000 }, () => a.next())
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs)
    expect(c.next()).not.toBe(xs[0])
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    const counts = new Array(10).fill(0)
    const r = createRng(7)
    for (let i = 0; i < 50000; i++) counts[Math.floor(r.next() * 10)]++
    const { stat, critical } = chiSquare(counts, new Array(10).fill(0.1))
    expect(stat).toBeLessThan(critical)
  })
  it('normal() has mean 0 and variance 1', () => {
    const r = createRng(3)
    const xs = Array.from({ length: 40000 }, () => r.normal())
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length
    expect(Math.abs(mean)).toBeLessThan(0.02)
    expect(Math.abs(v - 1)).toBeLessThan(0.03)
  })
})

describe('sampleToken', () => {
  const logits = [2, 1, 0.5, 0, -1, -3]

  it('draws from softmax(logits / T) (chi-square, 30k draws)', () => {
    const T = 0.7
    const { stat, critical } = chiSquare(histogram(logits, { temperature: T }, 30000), logSoftmax(logits, T).map(Math.exp))
    expect(stat).toBeLessThan(critical)
  })

  it('reports log_softmax(logits / T)[token] over the full vocab, before truncation', () => {
    const rng = createRng(5)
    const row = Float32Array.from(logits)
    for (const opts of [{ temperature: 0.7 }, { temperature: 1.3, topK: 2 }, { temperature: 0.5, topP: 0.6 }]) {
      const ref = logSoftmax(Array.from(row), opts.temperature)
      for (let i = 0; i < 50; i++) {
        const s = sampleToken(row, opts, rng)
        expect(s.logprob).toBeCloseTo(ref[s.token], 12)
        expect(tokenLogprob(row, s.token, opts.temperature)).toBe(s.logprob)
      }
    }
  })

  it('greedy at temperature 0: argmax (first on ties), log-prob at temperature 1', () => {
    const s = sampleToken(Float32Array.from([0, 3, 1, 3]), { temperature: 0 }, createRng(1))
    expect(s.token).toBe(1)
    expect(s.logprob).toBeCloseTo(logSoftmax([0, 3, 1, 3])[1], 12)
    expect(tokenLogprob(Float32Array.from([0, 3, 1, 3]), 1, 0)).toBe(s.logprob)
    expect(() => tokenLogprob(Float32Array.from([0, 1]), 2, 1)).toThrow(/outside/)
  })

  it('top-k keeps the k largest, ties at the boundary kept, and draws from their renormalised mass', () => {
    const p = logSoftmax(logits, 0.9).map(Math.exp)
    const counts = histogram(logits, { temperature: 0.9, topK: 3 }, 20000)
    expect(counts.slice(3)).toEqual([0, 0, 0])
    const { stat, critical } = chiSquare(counts, renorm(p, [0, 1, 2]))
    expect(stat).toBeLessThan(critical)
    const tie = histogram([1, 2, 2, 0], { temperature: 1, topK: 1 }, 2000)
    expect(tie[0]).toBe(0)
    expect(tie[3]).toBe(0)
    expect(tie[1]).toBeGreaterThan(800)
    expect(tie[2]).toBeGreaterThan(800)
  })

  it('top-p keeps the smallest prefix reaching p; top-k applies first', () => {
    const p = [0.5, 0.25, 0.15, 0.1]
    const l = p.map(Math.log)
    const at07 = histogram(l, { temperature: 1, topP: 0.7 }, 20000)
    expect(at07.slice(2)).toEqual([0, 0])
    expect(chiSquare(at07, renorm(p, [0, 1])).stat).toBeLessThan(chiSquare(at07, renorm(p, [0, 1])).critical)
    const at08 = histogram(l, { temperature: 1, topP: 0.8 }, 20000)
    expect(at08[3]).toBe(0)
    expect(at08[2]).toBeGreaterThan(0)
    // top-k 3 renormalises to [.556, .278, .167]: top-p 0.8 then stops after two tokens
    const both = histogram(l, { temperature: 1, topK: 3, topP: 0.8 }, 5000)
    expect(both.slice(2)).toEqual([0, 0])
    // ties at the nucleus boundary: the lower index is kept
    const tie = histogram([0.4, 0.2, 0.2, 0.2].map(Math.log), { temperature: 1, topP: 0.5 }, 3000)
    expect(tie.slice(2)).toEqual([0, 0])
    expect(tie[1]).toBeGreaterThan(0)
  })

  it('top-p on a larger vocab matches a brute-force nucleus', () => {
    const rng = createRng(9)
    const V = 200
    const l = Array.from({ length: V }, () => rng.normal() * 2)
    const T = 0.8
    const probs = logSoftmax(l, T).map(Math.exp)
    const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a])
    const keep: number[] = []
    let before = 0
    for (const i of order) {
      if (keep.length && before >= 0.9) break
      keep.push(i)
      before += probs[i]
    }
    const counts = histogram(l, { temperature: T, topP: 0.9 }, 40000)
    const { stat, critical } = chiSquare(counts, renorm(probs, keep))
    expect(stat).toBeLessThan(critical)
  })

  it('same seed, same draws; sampleBatch is row-by-row on one stream', () => {
    const B = 4
    const V = logits.length
    const flat = new Float32Array(B * V)
    for (let b = 0; b < B; b++) flat.set(logits.map((x) => x * (b + 1) * 0.3), b * V)
    const opts = { temperature: 1, topK: 4 }
    const a = sampleBatch(flat, B, V, opts, createRng(11))
    const b = sampleBatch(flat, B, V, opts, createRng(11))
    expect(a.tokens).toEqual(b.tokens)
    const rng = createRng(11)
    for (let i = 0; i < B; i++) {
      const s = sampleToken(flat.subarray(i * V, (i + 1) * V), opts, rng)
      expect(a.tokens[i]).toBe(s.token)
      expect(a.logprobs[i]).toBeCloseTo(s.logprob, 6)
    }
  })

  it('rejects bad options and bad logits', () => {
    const row = Float32Array.from([0, 1])
    const rng = createRng(1)
    expect(() => sampleToken(row, { temperature: -1 }, rng)).toThrow(/temperature/)
    expect(() => sampleToken(row, { temperature: 1e-9 }, rng)).toThrow(/temperature must be 0 \(greedy\) or/)
    expect(() => sampleToken(row, { temperature: 1, topP: 0 }, rng)).toThrow(/topP/)
    expect(() => sampleToken(row, { temperature: 1, topP: 1.5 }, rng)).toThrow(/topP/)
    expect(() => sampleToken(row, { temperature: 1, topK: 1.5 }, rng)).toThrow(/topK/)
    expect(() => sampleToken(Float32Array.from([0, NaN]), { temperature: 1 }, rng)).toThrow(/NaN/)
    expect(() => sampleToken(Float32Array.from([-Infinity, -Infinity]), { temperature: 1 }, rng)).toThrow(/finite maximum/)
    expect(() => sampleBatch(new Float32Array(5), 2, 3, { temperature: 1 }, rng)).toThrow(/B·V/)
    // masked (-inf) tokens are never drawn
    const masked = histogram([0, -Infinity, 0], { temperature: 1 }, 500)
    expect(masked[1]).toBe(0)
  })
})

describe('sampleProbs (the inference graphs give softmax(logits / T); learner/generate)', () => {
  it('draws the tokens sampleToken draws from the logits, with their log-probs, under every truncation and greedy', () => {
    const V = 500
    const logits = createRng(9)
    const rows = Array.from({ length: 40 }, () => Float32Array.from({ length: V }, () => logits.normal() * 3))
    for (const opts of [{ temperature: 1 }, { temperature: 0.7, topK: 20 }, { temperature: 1.3, topP: 0.8 }, { temperature: 0.5, topK: 50, topP: 0.9 }, { temperature: 0 }] as SampleOptions[]) {
      const [a, b] = [createRng(4), createRng(4)]
      for (const row of rows) {
        // the graph's probs: softmax at the temperature (1 for greedy) in float32
        const probs = Float32Array.from(logSoftmax([...row], opts.temperature || 1), Math.exp)
        const want = sampleToken(row, opts, a)
        const got = sampleProbs(probs, opts, b)
        expect(got.token).toBe(want.token)
        expect(Math.abs(got.logprob - want.logprob)).toBeLessThan(1e-6)
      }
    }
  })

  it('rejects rows without mass or with NaN', () => {
    const rng = createRng(1)
    expect(() => sampleProbs(Float32Array.from([0, NaN]), { temperature: 1 }, rng)).toThrow(/without mass or with NaN/)
    expect(() => sampleProbs(Float32Array.from([NaN, NaN]), { temperature: 0 }, rng)).toThrow(/without mass or with NaN/)
    expect(() => sampleProbs(new Float32Array(3), { temperature: 1 }, rng)).toThrow(/without mass or with NaN/)
    expect(() => sampleProbs(new Float32Array(3), { temperature: 1, topP: 0.5 }, rng)).toThrow(/without mass or with NaN/)
    expect(() => sampleProbs(Float32Array.from([0.5, 0.5]), { temperature: 1, topK: 1.5 }, rng)).toThrow(/topK/)
  })
})
