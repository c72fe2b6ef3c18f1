/**
 * Generation parity — the #1 GRPO pitfall: the rollout's log-probs must be the learner's.
 *   1. prefill logits (left-padded prompts, fed positions and masks) = the PyTorch reference logits (golden), and
 *      its probs = softmax(golden logits / temperature) in float64
 *   2. KV-cached decode steps (static cache, teacher-forced) = full recompute of the logits (learner/model), and
 *      their probs = softmax(recomputed logits / temperature)
 *   3. OnnxGenerator's sampled tokens and log-probs = the training log-prob graph (learner/model's
 *      buildLogprobGraph) on prompt + completion, to 1e-5, at temperature ≠ 1 with top-k / top-p on; and every
 *      sampled token lies inside the top-k / nucleus computed independently in float64 from recomputed logits.
 * Every golden family: llama (untied, GQA 4/2), qwen2-tied (q/k/v biases, tied head, 1 kv head), qwen3 (q/k norm,
 * explicit head_dim), llama3 and llama-linear (RoPE scaling), mistral.
 */
import { describe, expect, it } from 'vitest'
import type { ModelConfig } from '../../../learner/config.js'
import { buildDecodeGraph, buildPrefillGraph, inferenceModel, IO, OnnxGenerator, type Generation, type InferenceBucket } from '../../../learner/generate/index.js'
import { encodeModel } from '../../../learner/graph/index.js'
import { buildLogitsGraph, buildLogprobGraph, inferenceSpecs, inferenceWeights } from '../../../learner/model/index.js'
import { Runtime, tensor } from '../../../learner/runtime/index.js'
import { idsTensor, paramFeeds, scalarTensor } from '../../../learner/trainer/feeds.js'
import { diffStats, GOLDEN_MODELS, loadGolden } from '../../fixtures/golden/index.js'

const rt = new Runtime({ threads: 1 })
const i64 = (xs: number[], shape: number[]) => tensor('int64', BigInt64Array.from(xs, BigInt), shape)
/** The inference graphs' weight feeds (q/k/v and gate/up fused). */
function inferenceFeeds(config: ModelConfig, params: Map<string, Float32Array>) {
  const w = inferenceWeights(config, params)
  return Object.fromEntries(inferenceSpecs(config).map((s) => [s.name, tensor('float32', w.get(s.name)!, s.shape)]))
}

/** Raw logits [N,T,V] of right-padded rows by the training forward (full recompute, no cache). */
async function fullLogits(config: ModelConfig, params: Map<string, Float32Array>, rows: number[][]): Promise<Float32Array> {
  const T = Math.max(...rows.map((r) => r.length))
  const padded = rows.map((r) => [...r, ...Array(T - r.length).fill(0)])
  const s = await rt.session(`logits/${JSON.stringify(config)}/${rows.length}x${T}`, () => encodeModel(buildLogitsGraph(config, rows.length, T)))
  return (await s.run({ ...paramFeeds(config, params), input_ids: idsTensor(padded) })).logits.data as Float32Array
}

describe.each(GOLDEN_MODELS)('inference graphs vs training forward: %s', (name) => {
  it('prefill of left-padded prefixes = PyTorch reference logits at their last position', async () => {
    const { config, params, batch, expected } = await loadGolden(name)
    const T = batch.input_ids[0].length
    const V = config.vocab_size
    const bucket: InferenceBucket = { batch: 3 * T, promptLength: T, cacheLength: T + 4 }
    const ids: number[] = []
    const mask: number[] = []
    const pos: number[] = []
    for (const row of batch.input_ids) for (let n = 1; n <= T; n++) {
      // prefix row[0 … n) left-padded with a junk id, which the mask must hide
      for (let t = 0; t < T; t++) {
        const real = t >= T - n
        ids.push(real ? row[t - (T - n)] : 7)
        mask.push(real ? 1 : 0)
        pos.push(real ? t - (T - n) : 0)
      }
    }
    const s = await rt.session(`prefill/${name}`, () => encodeModel(buildPrefillGraph(config, bucket)))
    const out = await s.run({ ...inferenceFeeds(config, params), input_ids: i64(ids, [3 * T, T]), attention_mask: i64(mask, [3 * T, T]), position_ids: i64(pos, [3 * T, T]), temperature: scalarTensor(0.7) })
    expect(out[IO.logits].dims).toEqual([3 * T, 1, V])
    expect(out[IO.presentKey(0)].dims).toEqual([3 * T, config.num_key_value_heads, T + 4, config.head_dim])
    // golden logits [3,T,V]: row b, position n−1 ↔ our row b·T + n−1
    const d = diffStats(out[IO.logits].data as Float32Array, expected.logits.data as Float64Array)
    const gold = expected.logits.data as Float64Array
    const probs = out[IO.probs].data as Float32Array
    let pd = 0
    for (let r = 0; r < 3 * T; r++) pd = Math.max(pd, diffStats(probs.subarray(r * V, (r + 1) * V), softmax(gold.subarray(r * V, (r + 1) * V), 1 / 0.7)).maxAbs)
    console.log(`${name} prefill vs PyTorch logits: max abs ${d.maxAbs.toExponential(2)}; probs at T 0.7: ${pd.toExponential(2)}`)
    expect(d.maxAbs).toBeLessThan(1e-4)
    expect(pd).toBeLessThan(1e-5)
  })

  it('decode steps with the static KV cache = full recompute of the logits (ragged prompts, teacher forcing)', async () => {
    const { config, params, batch } = await loadGolden(name)
    const V = config.vocab_size
    const L = config.num_hidden_layers
    const seqs = batch.input_ids.map((r, b) => r.slice(0, [10, 8, 7][b])) // the unpadded golden rows
    const promptLen = [2, 5, 3]
    const b: InferenceBucket = { batch: 3, promptLength: 6, cacheLength: 14 }
    const { promptLength: T, cacheLength: C } = b
    const full = await fullLogits(config, params, seqs)
    const Tf = 10
    const pre = await rt.session(`prefill/${name}/${T}x${C}`, () => encodeModel(buildPrefillGraph(config, b)))
    const dec = await rt.session(`decode/${name}/${C}`, () => encodeModel(buildDecodeGraph(config, b)))
    const ids: number[] = []
    const mask: number[] = []
    const pos: number[] = []
    seqs.forEach((s, r) => {
      const p = promptLen[r]
      for (let t = 0; t < T; t++) {
        ids.push(t >= T - p ? s[t - (T - p)] : 0)
        mask.push(t >= T - p ? 1 : 0)
        pos.push(t >= T - p ? t - (T - p) : 0)
      }
    })
    const weights = inferenceFeeds(config, params)
    const temperature = scalarTensor(1.3)
    let out = await pre.run({ ...weights, input_ids: i64(ids, [3, T]), attention_mask: i64(mask, [3, T]), position_ids: i64(pos, [3, T]), temperature })
    // the cache: prefill's present (slots ≥ T zero); each decode step's present is its token's key/value, stored here
    const cache = Array.from({ length: L }, (_, l) => [out[IO.presentKey(l)], out[IO.presentValue(l)]])
    const [KV, Dh] = [config.num_key_value_heads, config.head_dim]
    const decMask = seqs.flatMap((_, r) => [...mask.slice(r * T, (r + 1) * T), ...Array(C - T).fill(0), 1])
    let worst = 0
    let worstProbs = 0
    for (let step = 0; ; step++) {
      const logits = out[IO.logits].data as Float32Array
      const probs = out[IO.probs].data as Float32Array
      let compared = 0
      seqs.forEach((s, r) => {
        const at = promptLen[r] - 1 + step // position whose next-token logits these are
        if (at >= s.length - 1) return
        const want = full.subarray((r * Tf + at) * V, (r * Tf + at + 1) * V)
        worst = Math.max(worst, diffStats(logits.subarray(r * V, (r + 1) * V), want).maxAbs)
        worstProbs = Math.max(worstProbs, diffStats(probs.subarray(r * V, (r + 1) * V), softmax(want, 1 / 1.3)).maxAbs)
        compared++
      })
      if (compared === 0) break
      // feed each row's next true token into slot T + step
      if (step > 0) for (let r = 0; r < 3; r++) decMask[r * (C + 1) + T + step - 1] = 1
      const next = seqs.map((s, r) => s[Math.min(promptLen[r] + step, s.length - 1)])
      const feeds = {
        input_ids: i64(next, [3, 1]),
        position_ids: i64(promptLen.map((p) => p + step), [3, 1]),
        attention_mask: i64(decMask, [3, C + 1]),
        temperature,
        ...weights,
      } as Record<string, ReturnType<typeof i64>>
      for (let l = 0; l < L; l++) {
        feeds[IO.pastKey(l)] = cache[l][0]
        feeds[IO.pastValue(l)] = cache[l][1]
      }
      out = await dec.run(feeds)
      for (let l = 0; l < L; l++) {
        expect(out[IO.presentKey(l)].dims).toEqual([3, KV, 1, Dh])
        for (const [i, name] of [IO.presentKey(l), IO.presentValue(l)].entries()) {
          const into = cache[l][i].data as Float32Array
          const cur = out[name].data as Float32Array
          for (let r = 0; r < 3 * KV; r++) into.set(cur.subarray(r * Dh, (r + 1) * Dh), (r * C + T + step) * Dh)
        }
      }
    }
    console.log(`${name} cached decode vs full recompute: max abs ${worst.toExponential(2)}; probs at T 1.3: ${worstProbs.toExponential(2)}`)
    expect(worst).toBeLessThan(1e-5)
    expect(worstProbs).toBeLessThan(1e-6)
  })
})

/** log_softmax in float64. */
function logSoftmax(z: ArrayLike<number>, invT: number): Float64Array {
  let m = -Infinity
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i] * invT)
  let s = 0
  for (let i = 0; i < z.length; i++) s += Math.exp(z[i] * invT - m)
  return Float64Array.from(z, (x) => x * invT - m - Math.log(s))
}

/** softmax(z · invT) in float64. */
const softmax = (z: ArrayLike<number>, invT: number) => logSoftmax(z, invT).map(Math.exp)

/** Is `tok` among the tokens top-k then top-p would keep (float64, independent of the sampler's code)? */
function kept(lp: Float64Array, tok: number, k: number | undefined, p: number | undefined): boolean {
  const order = [...lp.keys()].sort((a, b) => lp[b] - lp[a])
  let cand = k ? order.filter((i) => lp[i] >= lp[order[k - 1]]) : order
  if (p !== undefined && p < 1) {
    const mass = cand.reduce((s, i) => s + Math.exp(lp[i]), 0)
    let before = 0
    let n = 0
    while (n < cand.length && (n === 0 || before < p * mass - 1e-9)) before += Math.exp(lp[cand[n++]])
    cand = cand.slice(0, n + 1) // one token of slack for float32-vs-float64 boundary rounding
  }
  return cand.includes(tok)
}

const SETTINGS = [
  { temperature: 0.7, topK: 6, topP: 0.9 },
  { temperature: 1.6, topP: 0.8 },
  { temperature: 0.5, topK: 3 },
  { temperature: 0 }, // greedy: argmax, log-prob reported at temperature 1
] as const

describe.each(GOLDEN_MODELS)('OnnxGenerator parity with the training log-prob graph: %s', (name) => {
  for (const s of SETTINGS) {
    it(`T=${s.temperature} topK=${'topK' in s ? s.topK : '-'} topP=${'topP' in s ? s.topP : '-'}`, async () => {
      const { config, params } = await loadGolden(name)
      const V = config.vocab_size
      const eos = 3
      const gen = new OnnxGenerator(inferenceModel({ config, params }, { batch: 4, promptLength: 6, cacheLength: 20 }), { threads: 1 })
      const prompts = [[5, 9], [1, 2, 3, 4, 5, 6], [30]]
      const out: Generation[] = await gen.generate(prompts, { n: 3, maxNewTokens: 15, ...s, seed: 42, eos })
      await gen.close()
      const seqs = out.flatMap((g) => g.completions.map((c) => [...g.promptTokenIds, ...c.tokenIds]))
      const starts = out.flatMap((g) => g.completions.map(() => g.promptTokenIds.length))
      const Tm = Math.max(...seqs.map((q) => q.length))
      const padded = seqs.map((q) => [...q, ...Array(Tm - q.length).fill(0)])
      const lg = await rt.session(`logprobs/${name}/${seqs.length}x${Tm}`, () => encodeModel(buildLogprobGraph(config, seqs.length, Tm, { entropy: false })))
      const ref = (await lg.run({ ...paramFeeds(config, params), input_ids: idsTensor(padded), temperature: scalarTensor(s.temperature || 1) })).logprobs.data as Float32Array
      const logits = await fullLogits(config, params, seqs)
      let worst = 0
      let tokens = 0
      let stopped = 0
      out.flatMap((g) => g.completions).forEach((c, r) => {
        expect(c.tokenIds.length).toBe(c.logprobs.length)
        if (c.finishReason === 'stop') { stopped++; expect(c.tokenIds.at(-1)).toBe(eos) } else expect(c.tokenIds.length).toBe(15)
        expect(c.tokenIds.slice(0, -1)).not.toContain(eos)
        c.tokenIds.forEach((tok, i) => {
          const t = starts[r] + i
          worst = Math.max(worst, Math.abs(c.logprobs[i] - ref[r * Tm + t]))
          tokens++
          const row = logits.subarray((r * Tm + t - 1) * V, (r * Tm + t) * V)
          if (s.temperature === 0) expect(row[tok]).toBe(Math.max(...row))
          else expect(kept(logSoftmax(row, 1 / s.temperature), tok, 'topK' in s ? s.topK : undefined, 'topP' in s ? s.topP : undefined)).toBe(true)
        })
      })
      console.log(`${name} T=${s.temperature}: ${tokens} sampled tokens (${stopped} completions stopped at EOS), max |sampler − learner| log-prob ${worst.toExponential(2)}`)
      expect(tokens).toBeGreaterThan(30)
      expect(worst).toBeLessThan(1e-5)
    })
  }
})
