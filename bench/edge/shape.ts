/**
 * The rollout the load generator submits: G = 8 completions of 256 tokens, each with token ids, log-probs, a
 * finish reason and ~1 KB of text (the shape of a real rollout). Seeded, so every run sends the same bytes.
 */
export const G = 8
export const TOKENS = 256
export const ADMIN_KEY = 'ck_admin_bench'

export interface BenchCompletion {
  text: string
  tokenIds: number[]
  logprobs: number[]
  finishReason: 'stop' | 'length'
}

/** mulberry32: a small seeded PRNG (uniform in [0, 1)). */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function benchCompletions(seed = 1): BenchCompletion[] {
  const r = rng(seed)
  return Array.from({ length: G }, (_, k) => ({
    text: `${'step by step, the sum is computed term by term. '.repeat(20)}answer: ${k % 2 ? '42' : String(k)}`,
    tokenIds: Array.from({ length: TOKENS }, () => Math.floor(r() * 151_000)),
    // log-softmax values as a sampler reports them: float32-representable, full precision in JSON
    logprobs: Array.from({ length: TOKENS }, () => Math.fround(Math.log(1e-6 + r()))),
    finishReason: k % 3 ? 'stop' : 'length',
  }))
}
