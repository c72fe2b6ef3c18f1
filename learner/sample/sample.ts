/**
 * Token sampling from logits, and THE log-prob convention of Cohort.
 *
 * Log-prob convention (one meaning everywhere: sampler, API, learner; TRL's):
 *   logprob(token) = log_softmax(logits / temperature)[token]
 *   taken over the FULL vocabulary, BEFORE top-k / top-p truncation: truncation decides which token is drawn,
 *   never the reported log-prob. temperature = 0 means greedy (argmax, first index on ties) and the log-prob
 *   is then reported at temperature 1: log_softmax(logits)[token].
 * The learner's graphs compute exactly this for the same tokens, so the ratio π_θ/π_old is 1 on fresh data.
 *
 * Truncation (as transformers' logits warpers, in this order): temperature, then top-k (keep every token whose
 * scaled logit is ≥ the k-th largest, ties at the boundary kept), then top-p over the renormalised survivors
 * (keep the most probable tokens while the mass before each is < top_p: the smallest set reaching top_p, at
 * least one token). The draw is from the renormalised kept mass.
 *
 * Dimension legend: B batch rows, V vocabulary size.
 */
import type { Rng } from './rng.js'

export interface SampleOptions {
  /** 0 = greedy; otherwise ≥ MIN_TEMPERATURE */
  temperature: number
  /** keep the k most probable tokens (undefined or 0 = off) */
  topK?: number
  /** nucleus mass in (0, 1] (undefined or 1 = off) */
  topP?: number
}

export interface Sampled {
  token: number
  /** log-prob of `token` under the convention above */
  logprob: number
}

/** Smallest non-zero temperature (below it logits / T overflow); use 0 for greedy. */
export const MIN_TEMPERATURE = 1e-4

export function checkSampleOptions(o: SampleOptions): void {
  if (!(Number.isFinite(o.temperature) && (o.temperature === 0 || o.temperature >= MIN_TEMPERATURE)))
    throw new RangeError(`temperature must be 0 (greedy) or a finite number ≥ ${MIN_TEMPERATURE}, got ${o.temperature}`)
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0))
    throw new RangeError(`topK must be a non-negative integer, got ${o.topK}`)
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${o.topP}`)
}

/** The convention's log-prob of `token` given a logits row [V] (temperature 0 scores at temperature 1). */
export function tokenLogprob(logitsRow: Float32Array, token: number, temperature: number): number {
  checkSampleOptions({ temperature })
  if (!(Number.isInteger(token) && token >= 0 && token < logitsRow.length))
    throw new RangeError(`token ${token} outside [0, ${logitsRow.length})`)
  const invT = temperature === 0 ? 1 : 1 / temperature
  return logitsRow[token] * invT - scaledLogSumExp(logitsRow, invT).lse
}

// exp on [−708, 0] (the max-shifted exponents), 40 % cheaper than Math.exp in V8: exp(x) = 2^(n/64) · e^r with
// n = round(x·64/ln 2), |r| ≤ ln 2/128 (Cody–Waite split of ln 2/64), e^r by a degree-6 Taylor polynomial (error
// < 1e-19), 2^(j/64) and 2^e from tables. Within 1e-14 relative of Math.exp (≤ 8 ulp seen for x ≥ −40, where the
// terms that matter to a sum or a draw are); Math.exp outside the range.
const EXP_K = 64 / Math.LN2
const EXP_HI = (() => {
  const b = new DataView(new ArrayBuffer(8))
  b.setFloat64(0, Math.LN2 / 64)
  b.setUint32(4, b.getUint32(4) & 0xffe00000) // low bits cleared: n · EXP_HI is exact for |n| < 2^21
  return b.getFloat64(0)
})()
const EXP_LO = Math.LN2 / 64 - EXP_HI
const EXP_FRAC = Float64Array.from({ length: 64 }, (_, j) => 2 ** (j / 64))
const EXP_POW2 = Float64Array.from({ length: 1200 }, (_, i) => 2 ** (i - 1150)) // 2^e, e = index − 1150
function expNonPositive(x: number): number {
  if (!(x >= -708 && x <= 0)) return Math.exp(x)
  const n = Math.floor(x * EXP_K + 0.5) | 0
  const r = x - n * EXP_HI - n * EXP_LO
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r / 720)))))
  return EXP_FRAC[n & 63] * p * EXP_POW2[(n >> 6) + 1150]
}

/**
 * log Σ exp(row · invT) (max-shifted), the argmax (first on ties), and — when `w` is given — w[i] = exp(row[i]·invT − max)
 * with their sum. Throws on NaN or on a row without a finite maximum.
 */
function scaledLogSumExp(row: Float32Array, invT: number, w?: Float64Array): { lse: number; arg: number; sum: number } {
  const V = row.length
  if (V === 0) throw new RangeError('empty logits row')
  let max = -Infinity
  let arg = -1
  for (let i = 0; i < V; i++) {
    const x = row[i]
    if (Number.isNaN(x)) throw new RangeError(`logit ${i} is NaN`)
    if (x > max) {
      max = x
      arg = i
    }
  }
  if (max === -Infinity || max === Infinity) throw new RangeError(`logits must have a finite maximum, got ${max}`)
  const m = max * invT
  let sum = 0
  if (w) for (let i = 0; i < V; i++) sum += w[i] = expNonPositive(row[i] * invT - m)
  else for (let i = 0; i < V; i++) sum += expNonPositive(row[i] * invT - m)
  return { lse: m + Math.log(sum), arg, sum }
}

/**
 * Sample one token from a logits row [V]. `scratch` (≥ V elements, overwritten): working memory reused across
 * calls; without it a fresh [V] array per call (a 64 KB allocation per row and step at V = 8192, which cost
 * about as much as the sampling itself).
 */
export function sampleToken(logitsRow: Float32Array, opts: SampleOptions, rng: Rng, scratch?: Float64Array): Sampled {
  checkSampleOptions(opts)
  const V = logitsRow.length
  return sampleRow(logitsRow, opts, rng, scratch && scratch.length >= V ? scratch.subarray(0, V) : new Float64Array(V))
}

/**
 * Sample one token per row of logits [B, V] (row-major), rows in order from one rng stream.
 * Returns tokens [B] and logprobs [B].
 */
export function sampleBatch(
  logits: Float32Array,
  B: number,
  V: number,
  opts: SampleOptions,
  rng: Rng,
): { tokens: Int32Array; logprobs: Float32Array } {
  checkSampleOptions(opts)
  if (logits.length !== B * V) throw new RangeError(`logits has ${logits.length} elements, expected B·V = ${B * V}`)
  const tokens = new Int32Array(B)
  const logprobs = new Float32Array(B)
  const scratch = new Float64Array(V)
  for (let b = 0; b < B; b++) {
    const s = sampleRow(logits.subarray(b * V, (b + 1) * V), opts, rng, scratch)
    tokens[b] = s.token
    logprobs[b] = s.logprob
  }
  return { tokens, logprobs }
}

/** `w` [V] is scratch: unnormalised probabilities exp(z − max). */
function sampleRow(row: Float32Array, o: SampleOptions, rng: Rng, w: Float64Array): Sampled {
  const greedy = o.temperature === 0
  const invT = greedy ? 1 : 1 / o.temperature
  const { lse, arg, sum } = scaledLogSumExp(row, invT, w)
  const t = greedy ? arg : pick(w, sum, o, rng)
  return { token: t, logprob: row[t] * invT - lse }
}

/**
 * Sample one token from a row of probabilities [V] = softmax(logits / temperature), the inference graphs'
 * `probs` output (learner/generate): the truncation and draw of sampleToken without its passes of exp over the
 * vocabulary. The log-prob is log probs[token] (the convention's, in float32 precision). Without truncation the
 * draw stops where the cumulative mass passes a uniform on [0, 1): no pass over the whole row (the float32 row's
 * sum is within ~1e-6 of 1, the order of its own rounding). Greedy (temperature 0) takes the argmax (first on ties)
 * and expects the row at temperature 1, where its log-prob is reported. Throws when the chosen token has no
 * probability (NaN rows, rows without mass).
 */
export function sampleProbs(probs: Float32Array, opts: SampleOptions, rng: Rng): Sampled {
  checkSampleOptions(opts)
  const V = probs.length
  let t = 0
  if (opts.temperature === 0) {
    for (let i = 1; i < V; i++) if (probs[i] > probs[t]) t = i
  } else {
    let sum = 1
    if ((opts.topK && opts.topK < V) || (opts.topP !== undefined && opts.topP < 1)) { // full passes anyway: the exact sum
      sum = 0
      for (let i = 0; i < V; i++) sum += probs[i]
    }
    t = pick(probs, sum, opts, rng)
  }
  const p = probs[t]
  if (!(p > 0 && p <= 1)) throw new RangeError(`probabilities row without mass or with NaN (token ${t}: ${p})`)
  return { token: t, logprob: Math.log(p) }
}

/** Unnormalised probabilities (one float array type or the other: logits' exp weights, or a softmax row). */
type Weights = Float64Array | Float32Array

/** Top-k, then top-p, then the draw, over w [V] ∝ the probabilities at the temperature (sum = Σ w). */
function pick(w: Weights, sum: number, o: SampleOptions, rng: Rng): number {
  const V = w.length
  const k = o.topK && o.topK < V ? o.topK : 0
  const p = o.topP !== undefined && o.topP < 1 ? o.topP : 1
  if (!k && p === 1) return draw(w, null, sum, rng)

  let cand: number[] = []
  let mass = sum // the mass that top-p's fraction refers to: all of it, or top-k's survivors
  if (k) {
    const kth = kthLargest(w, k)
    for (let i = 0; i < V; i++) if (w[i] >= kth) cand.push(i)
    mass = 0
    for (const i of cand) mass += w[i]
  } else {
    // top-p only: a token with w < (1 − p)·sum / V cannot be in the nucleus (the mass above it exceeds p·sum)
    const floor = ((1 - p) * sum) / V
    for (let i = 0; i < V; i++) if (w[i] >= floor) cand.push(i)
  }
  if (p < 1) [cand, mass] = nucleus(w, cand, p * mass)
  return draw(w, cand, mass, rng)
}

/**
 * Inverse-CDF draw of an index with probability w[i] / mass among `among` (null = all indices);
 * rounding at the end of the scan never yields a zero-weight index.
 */
function draw(w: Weights, among: number[] | null, mass: number, rng: Rng): number {
  const n = among ? among.length : w.length
  let u = rng.next() * mass
  let q = 0
  if (!among) {
    // the whole row: skip blocks of 8 by their pairwise sum (a subtraction chain 8× shorter than one per token),
    // then token by token from the block where the mass runs out
    for (; q + 8 <= n; q += 8) {
      const s = w[q] + w[q + 1] + (w[q + 2] + w[q + 3]) + (w[q + 4] + w[q + 5] + (w[q + 6] + w[q + 7]))
      if (u < s) break
      u -= s
    }
  }
  for (; q < n; q++) {
    const i = among ? among[q] : q
    if ((u -= w[i]) < 0) return i
  }
  // rounding ran past the end: the last index with weight
  let j = n - 1
  while (j > 0 && w[among ? among[j] : j] === 0) j--
  return among ? among[j] : j
}

/**
 * The most probable candidates while the mass before each is < limit (ties broken by lower index), and their
 * mass. Values are sorted natively (a typed-array sort, no comparator); indices are then picked in one pass.
 */
function nucleus(w: Weights, cand: number[], limit: number): [number[], number] {
  const vals = Float64Array.from(cand, (i) => w[i]).sort() // ascending
  let j = vals.length - 1
  let before = vals[j]
  let tau = vals[j]
  let count = 1
  while (j > 0 && before < limit) {
    tau = vals[--j]
    before += tau
    count++
  }
  const kept: number[] = []
  let mass = 0
  for (const i of cand) if (w[i] > tau) kept.push(i)
  for (let q = 0; q < cand.length && kept.length < count; q++) if (w[cand[q]] === tau) kept.push(cand[q])
  for (const i of kept) mass += w[i]
  return [kept, mass]
}

/** k-th largest value of w (1-based), by quickselect on a copy: O(V). */
function kthLargest(w: Weights, k: number): number {
  const a = Float64Array.from(w)
  let lo = 0
  let hi = a.length - 1
  const target = k - 1 // index in descending order
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i] > pivot) i++
      while (a[j] < pivot) j--
      if (i <= j) {
        const t = a[i]
        a[i] = a[j]
        a[j] = t
        i++
        j--
      }
    }
    if (target <= j) hi = j
    else if (target >= i) lo = i
    else return a[target]
  }
  return a[target]
}
