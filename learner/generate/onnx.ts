/**
 * OnnxGenerator: the Generator seam over an InferenceModel's prefill / decode graphs on onnxruntime-node.
 *
 * Rows = prompts × n completions (prompt-major), packed into runs of `bucket.batch` rows (spare rows padded).
 * Per run: prefill the left-padded prompts, then one decode step per token with the static-capacity KV cache
 * (graphs.ts), sampling each row with learner/sample from the graphs' probs (softmax at the temperature, fed to
 * them; top-k / top-p applied here; log-prob convention there).
 * Buffers are allocated once per run and reused by every step: the cache (prefill writes it in place as its
 * outputs; each decode step reads it as inputs and returns only the current token's keys/values, which are
 * written into their slot here), the probs, the fed ids / mask / positions. The weights are fed as inputs
 * without a copy (CPU tensors view the caller's arrays).
 * Version handover without compiling: generators given the same `shared` Runtime (each retains it, close()
 * releases it) use one pair of sessions for every model with the same graphs (InferenceModel.graphKey), each
 * feeding its own weights; the runtime closes its sessions when its last generator closes.
 * Each completion has its own RNG stream derived from (seed, prompt index, completion index), so results do not
 * depend on the bucket size or on which other prompts share a run. A row stops at a stop token (kept in
 * tokenIds), at a stop string (text cut before it) or at maxNewTokens; the run ends when every row has.
 */
import { inferenceSpecs, inferenceWeights } from '../model/index.js'
import { Runtime, tensor, type Feeds, type RuntimeOptions, type Session } from '../runtime/index.js'
import { createRng, sampleProbs, type Rng } from '../sample/index.js'
import { promptIds, type ChatPrompt } from '../tokenizer/index.js'
import { modelStopIds } from '../io/index.js'
import { checkGenerateOptions, findStop, stopIds, type Completion, type GenerateOptions, type Generation, type Generator, type Prompt } from './generator.js'
import { IO, maxNewTokensOf } from './graphs.js'
import type { InferenceModel } from './model.js'

export interface OnnxGeneratorOptions extends RuntimeOptions {
  /** prepend the tokenizer's BOS to raw text prompts (chat prompts get what the template writes). Must match the
   * learner's addBos: the default is the model's (InferenceModel.promptBos, config.json `cohort_prompt_bos`, which
   * a learner run with --add-bos publishes), else false (the prompt text encoded as is). */
  addBos?: boolean
  /** a Runtime shared with other generators (its ep / threads apply): sessions are reused across versions */
  shared?: Runtime
  /** leave onnxruntime's default, intra-op workers spinning on after a run (see SESSION), for A/B runs
   * (bench/learner/gen.ts --compare-spinning); applies to the sessions this generator builds */
  keepSpinning?: boolean
}

/** One completion being generated. */
interface Row {
  prompt: number
  ids: number[]
  rng: Rng
  tokens: number[]
  logprobs: number[]
  finish?: 'stop' | 'length'
  text?: string
}

/**
 * ORT options of both sessions: their intra-op workers stop spinning as soon as a run returns
 * (`session.force_spinning_stop`). Each session has its own thread pool; left to spin (ORT's default), the prefill's
 * worker busy-waits ~50 ms (measured after a 10M run) on a core the decode steps that follow need, and the decode's
 * worker likewise through the sampler, the next run's prefill or a training step. Between decode steps this costs
 * one wake-up of the worker per step.
 */
const SESSION = { ort: { extra: { session: { force_spinning_stop: '1' } } } }

/** A 32-bit seed for completion k of a call seeded with `seed` (splitmix-style mixing). */
function rowSeed(seed: number, k: number): number {
  let z = ((seed >>> 0) ^ Math.imul(k + 1, 0x9e3779b9) ^ Math.floor(seed / 2 ** 32)) >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return (z ^ (z >>> 16)) >>> 0
}

export class OnnxGenerator implements Generator {
  private readonly runtime: Runtime

  /** config, tokenizer and bucket of the model (its graph bytes are dropped once the sessions exist) */
  readonly model: Omit<InferenceModel, 'prefill' | 'decode' | 'weights'>
  private graphs: Pick<InferenceModel, 'prefill' | 'decode'> | null
  private ready?: Promise<[Session, Session]>
  /** the weights as feeds, by inferenceSpecs name (views of the model's arrays; fused groups copied once unless adjacent) */
  private readonly weights: Feeds
  /** BOS before raw text prompts: the option, else the model's cohort_prompt_bos */
  readonly addBos: boolean

  /** Sessions are built on the first generate() (own runtime, or `o.shared`'s sessions when it has them). */
  constructor(model: InferenceModel, private readonly o: OnnxGeneratorOptions = {}) {
    this.runtime = o.shared ?? new Runtime(o)
    const { prefill, decode, weights, ...rest } = model
    this.model = rest
    this.addBos = o.addBos ?? model.promptBos ?? false
    this.graphs = { prefill, decode }
    const fused = inferenceWeights(model.config, weights)
    this.weights = Object.fromEntries(inferenceSpecs(model.config).map((s) => [s.name, tensor('float32', fused.get(s.name)!, s.shape)]))
    o.shared?.retain()
  }

  /** Build both sessions now (the first generate() would otherwise pay for it: seconds in a browser). */
  async warm(): Promise<void> {
    await this.sessions()
  }

  private sessions(): Promise<[Session, Session]> {
    if (!this.ready) {
      const b = this.model.bucket
      const tag = `${this.model.graphKey}/B${b.batch}xT${b.promptLength}xC${b.cacheLength}`
      const g = this.graphs!
      const o = this.o.keepSpinning ? {} : SESSION
      this.ready = Promise.all([this.runtime.session(`prefill/${tag}`, g.prefill, o), this.runtime.session(`decode/${tag}`, g.decode, o)])
      this.ready.then(
        () => (this.graphs = null), // a 100M model's two graphs are ~800 MB of bytes: onnxruntime holds its own copy now
        () => (this.ready = undefined), // retry on the next call
      )
    }
    return this.ready
  }

  private tokenize(p: Prompt, chat: ChatPrompt | undefined): number[] {
    const tok = this.model.tokenizer
    const V = this.model.config.vocab_size
    let ids: number[]
    if (typeof p === 'string') {
      if (!tok) throw new RangeError('text prompts need a tokenizer (this model has none): pass token ids')
      ids = promptIds(tok, p, { chat, addBos: this.addBos })
    } else ids = [...p]
    if (ids.length === 0) throw new RangeError('empty prompt (no tokens)')
    if (ids.length > this.model.bucket.promptLength)
      throw new RangeError(`prompt of ${ids.length} tokens exceeds this model's prompt bucket of ${this.model.bucket.promptLength}`)
    for (const id of ids) if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new RangeError(`prompt token id ${id} outside [0, ${V})`)
    return ids
  }

  async generate(prompts: readonly Prompt[], opts: GenerateOptions): Promise<Generation[]> {
    checkGenerateOptions(opts, prompts.length)
    const cap = maxNewTokensOf(this.model.bucket)
    if (opts.maxNewTokens > cap) throw new RangeError(`maxNewTokens ${opts.maxNewTokens} exceeds this model's cache bucket (at most ${cap})`)
    if (opts.stop?.length && !this.model.tokenizer) throw new RangeError('stop strings need a tokenizer (this model has none)')
    const tok = this.model.tokenizer
    const stops = new Set(stopIds(opts.eos, modelStopIds(tok?.eos, this.model.config.eos_token_id, this.model.generation)))
    const ids = prompts.map((p) => this.tokenize(p, opts.chat))
    const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32)
    const rows: Row[] = ids.flatMap((promptTokenIds, i) =>
      Array.from({ length: opts.n }, (_, j) => ({ prompt: i, ids: promptTokenIds, rng: createRng(rowSeed(seed, i * opts.n + j)), tokens: [], logprobs: [] })),
    )
    const [prefill, decode] = await this.sessions()
    const B = this.model.bucket.batch
    for (let r = 0; r < rows.length; r += B) await this.run(prefill, decode, rows.slice(r, r + B), opts, stops)
    return ids.map((promptTokenIds, i) => ({
      promptTokenIds,
      completions: rows.filter((r) => r.prompt === i).map((r): Completion => ({
        text: r.text ?? (tok ? tok.decode(r.tokens) : ''),
        tokenIds: r.tokens,
        logprobs: r.logprobs,
        finishReason: r.finish!,
      })),
    }))
  }

  /** Generate every row of one run (≤ B rows) to completion. */
  private async run(prefill: Session, decode: Session, rows: Row[], opts: GenerateOptions, stops: Set<number>): Promise<void> {
    const { batch: B, promptLength: T, cacheLength: C } = this.model.bucket
    const { vocab_size: V, num_hidden_layers: L, num_key_value_heads: KV, head_dim: Dh } = this.model.config
    const pad = BigInt(this.model.tokenizer?.pad ?? 0)
    // prefill feeds: prompts left-padded to T; spare rows are one pad token
    const ids = new BigInt64Array(B * T).fill(pad) //                  [B,T]
    const mask = new BigInt64Array(B * (C + 1)) //                       [B,C+1]  decode's mask; prefill uses its first T
    const pos = new BigInt64Array(B * T) //                              [B,T]
    const len = new Int32Array(B)
    for (let b = 0; b < B; b++) {
      const p = rows[b]?.ids ?? [Number(pad)]
      len[b] = p.length
      for (let t = 0; t < p.length; t++) {
        const at = T - p.length + t
        ids[b * T + at] = BigInt(p[t])
        mask[b * (C + 1) + at] = 1n
        pos[b * T + at] = BigInt(t)
      }
      mask[b * (C + 1) + C] = 1n // the current token (decode)
    }
    const prefillMask = new BigInt64Array(B * T)
    for (let b = 0; b < B; b++) prefillMask.set(mask.subarray(b * (C + 1), b * (C + 1) + T), b * T)
    // the run's buffers, reused by every step: cache [B,KV,C,Dh] per layer and kind (key, value), probs [B,1,V],
    // the current token's keys/values [B,KV,1,Dh]
    const cache = Array.from({ length: 2 * L }, () => new Float32Array(B * KV * C * Dh))
    const cur = Array.from({ length: 2 * L }, () => new Float32Array(B * KV * Dh))
    const probs = new Float32Array(B * V)
    const probsOut = tensor('float32', probs, [B, 1, V])
    // greedy reports its log-probs at temperature 1 (the convention)
    const temperature = tensor('float32', Float32Array.of(opts.temperature || 1), [])
    const name = (i: number) => (i % 2 === 0 ? IO.presentKey(i >> 1) : IO.presentValue(i >> 1))
    const past = (i: number) => (i % 2 === 0 ? IO.pastKey(i >> 1) : IO.pastValue(i >> 1))
    await prefill.run(
      {
        ...this.weights,
        [IO.temperature]: temperature,
        [IO.inputIds]: tensor('int64', ids, [B, T]),
        [IO.attentionMask]: tensor('int64', prefillMask, [B, T]),
        [IO.positionIds]: tensor('int64', pos, [B, T]),
      },
      { [IO.probs]: probsOut, ...Object.fromEntries(cache.map((c, i) => [name(i), tensor('float32', c, [B, KV, C, Dh])])) },
    )
    const next = new BigInt64Array(B).fill(pad) //                        [B,1]
    const nextPos = new BigInt64Array(B) //                              [B,1]
    const feeds: Feeds = {
      ...this.weights,
      [IO.temperature]: temperature,
      [IO.inputIds]: tensor('int64', next, [B, 1]),
      [IO.attentionMask]: tensor('int64', mask, [B, C + 1]),
      [IO.positionIds]: tensor('int64', nextPos, [B, 1]),
      ...Object.fromEntries(cache.map((c, i) => [past(i), tensor('float32', c, [B, KV, C, Dh])])),
    }
    const fetches = { [IO.probs]: probsOut, ...Object.fromEntries(cur.map((c, i) => [name(i), tensor('float32', c, [B, KV, 1, Dh])])) }
    for (let s = 0; ; s++) {
      let live = 0
      rows.forEach((row, b) => {
        if (row.finish) return
        const { token, logprob } = sampleProbs(probs.subarray(b * V, (b + 1) * V), opts, row.rng)
        row.tokens.push(token)
        row.logprobs.push(logprob)
        next[b] = BigInt(token)
        if (stops.has(token)) row.finish = 'stop'
        else if (opts.stop?.length) {
          const text = this.model.tokenizer!.decode(row.tokens)
          const at = findStop(text, opts.stop)
          if (at >= 0) {
            row.finish = 'stop'
            row.text = text.slice(0, at)
          }
        }
        if (!row.finish && row.tokens.length === opts.maxNewTokens) row.finish = 'length'
        if (!row.finish) live++
      })
      if (live === 0) return
      // feed the sampled tokens (slot T+s); slot T+s−1 (last step's token, stored after that step) becomes visible
      if (s > 0) for (let b = 0; b < B; b++) mask[b * (C + 1) + T + s - 1] = 1n
      for (let b = 0; b < B; b++) nextPos[b] = BigInt(len[b] + s)
      await decode.run(feeds, fetches)
      // store the fed tokens' keys/values at slot T+s: B·KV rows of Dh per layer and kind (a plain loop: a
      // subarray per row allocated an object each, 512 per step at 10M)
      for (let i = 0; i < 2 * L; i++) {
        const [to, from] = [cache[i], cur[i]]
        for (let r = 0; r < B * KV; r++) for (let d = 0, at = (r * C + T + s) * Dh; d < Dh; d++) to[at + d] = from[r * Dh + d]
      }
    }
  }

  private closed = false

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.o.shared) await this.o.shared.release()
    else await this.runtime.close()
  }
}
