/**
 * A seeded draw sequence pinned bit for bit (tokens and float64 log-probs): sampleToken over logits, sampleProbs
 * over softmax rows and sampleBatch, under every truncation, greedy, ties, masked tokens, rows shorter and longer
 * than the 8-token blocks the whole-row draw skips by, and rows whose mass runs out before the uniform does (the
 * draw's rounding fallback: the last token with weight). A change to the sampler that moves any draw or any bit of
 * a log-prob fails here; the figures were taken from the sampler as it stood (e5b2680).
 */
import { describe, expect, it } from 'vitest'
import { createRng, sampleBatch, sampleProbs, sampleToken, type SampleOptions } from '../../../learner/sample/index.js'

const OPTIONS: SampleOptions[] = [
  { temperature: 1 },
  { temperature: 0.7 },
  { temperature: 0 },
  { temperature: 1, topK: 3 },
  { temperature: 0.9, topK: 40 },
  { temperature: 1.2, topP: 0.5 },
  { temperature: 1, topP: 0.95 },
  { temperature: 0.8, topK: 30, topP: 0.9 },
]

/** FNV-1a over 32-bit words. */
function fnv(words: Iterable<number>): string {
  let h = 0x811c9dc5
  for (const w of words) for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((w >>> s) & 0xff), 0x01000193) >>> 0
  return h.toString(16).padStart(8, '0')
}

/** The draws as words: token, then the log-prob's two float64 halves. */
function record(out: number[], token: number, logprob: number): void {
  const b = new DataView(new ArrayBuffer(8))
  b.setFloat64(0, logprob)
  out.push(token, b.getUint32(0), b.getUint32(4))
}

function logitRows(): Float32Array[] {
  const g = createRng(2024)
  const rows = [3, 8, 9, 64, 257, 1000].flatMap((V) => [0, 1, 2].map(() => Float32Array.from({ length: V }, () => g.normal() * 2.5)))
  rows.push(Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])) // all tied
  rows.push(Float32Array.from([0, -Infinity, 2, -Infinity, 2, 0.5, -Infinity, -Infinity, -Infinity, -Infinity])) // masked, tied maximum
  return rows
}

function softmax(row: Float32Array, T: number): Float32Array {
  const z = Array.from(row, (x) => x / T)
  const m = Math.max(...z)
  const e = z.map((x) => Math.exp(x - m))
  const s = e.reduce((a, b) => a + b, 0)
  return Float32Array.from(e, (x) => x / s)
}

describe('seeded draws, pinned bit for bit', () => {
  it('sampleToken over logits rows, every option set', () => {
    const out: number[] = []
    const rows = logitRows()
    for (const [k, o] of OPTIONS.entries()) {
      const rng = createRng(100 + k)
      for (let rep = 0; rep < 25; rep++) for (const row of rows) {
        const s = sampleToken(row, o, rng)
        record(out, s.token, s.logprob)
      }
    }
    expect(out.length).toBe(OPTIONS.length * 25 * 20 * 3)
    expect(fnv(out)).toBe('7a898bc0')
  })

  it('sampleProbs over softmax rows, every option set', () => {
    const out: number[] = []
    const rows = logitRows()
    for (const [k, o] of OPTIONS.entries()) {
      const probs = rows.map((r) => softmax(r, o.temperature || 1))
      const rng = createRng(200 + k)
      for (let rep = 0; rep < 25; rep++) for (const p of probs) {
        const s = sampleProbs(p, o, rng)
        record(out, s.token, s.logprob)
      }
    }
    expect(fnv(out)).toBe('2292b005')
  })

  it('a row whose mass runs out before the uniform: the last token with weight', () => {
    // 0.3 of mass (sampleProbs takes the untruncated row's sum as 1): most draws pass the end of the row
    const short = Float32Array.from([0.1, 0, 0.2, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    const tiny = Float32Array.from([0.05, 0.1, 0, 0])
    const rng = createRng(7)
    const tokens = Array.from({ length: 24 }, (_, i) => sampleProbs(i % 2 ? tiny : short, { temperature: 1 }, rng).token)
    expect(tokens.join('')).toBe('212121212121212121202021')
  })

  it('sampleBatch rows in order from one stream', () => {
    const B = 6
    const V = 130
    const g = createRng(5)
    const flat = Float32Array.from({ length: B * V }, () => g.normal() * 3)
    const out: number[] = []
    for (const [k, o] of OPTIONS.entries()) {
      const rng = createRng(300 + k)
      for (let rep = 0; rep < 10; rep++) {
        const { tokens, logprobs } = sampleBatch(flat, B, V, o, rng)
        for (let b = 0; b < B; b++) record(out, tokens[b], logprobs[b])
      }
    }
    expect(fnv(out)).toBe('6295578e')
  })
})
