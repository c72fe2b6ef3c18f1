/**
 * OpenAICompatibleGenerator: the Generator seam over POST {baseUrl}/v1/completions (vLLM, SGLang, llama.cpp
 * server, …) with `logprobs` requested. One request per prompt (n = G completions each), sent concurrently.
 *
 * Token ids: we ask for vLLM's `return_token_ids` (choices[].token_ids / prompt_token_ids) and
 * `return_tokens_as_token_ids` (logprobs.tokens as "token_id:<id>"); a server honouring neither cannot serve
 * Cohort (the learner trains on ids, not strings) and is refused with a clear error.
 *
 * Prompt ids. The learner rebuilds each group's prompt as promptIds(tokenizer, text, { chat, addBos }) and trains
 * on those ids followed by the completion's; the engine must have conditioned on exactly them. So with the served
 * model's tokenizer (EnginePolicies reads it, and `addBos` = config.json cohort_prompt_bos, from the version's
 * files) EVERY prompt, text or chat, is sent as those token ids — a server then adds nothing (vLLM would otherwise
 * tokenize a string with add_special_tokens=True: a BOS the learner does not have, for Llama / Mistral
 * tokenizers). A reply whose prompt_token_ids differ from the ids sent is refused. Without a tokenizer, text
 * prompts go as strings and the server's prompt_token_ids are taken as they come (they cannot be checked).
 *
 * Log-prob convention. Cohort's log-prob is log_softmax(logits / T) over the full vocabulary, BEFORE top-k/top-p
 * (learner/sample/sample.ts). Servers report their own:
 *   vLLM V1 `--logprobs-mode raw_logprobs` (the default): log_softmax(raw logits), i.e. temperature 1, before
 *     penalties and truncation → equals Cohort's only at temperature 1 (or 0, greedy, which Cohort reports at 1).
 *   vLLM `--logprobs-mode processed_logprobs`: after penalties, temperature AND top-k/top-p masking (renormalised
 *     over the kept tokens) → equals Cohort's only with top-k/top-p off and no penalties/min_p.
 *   Neither matches at temperature ≠ 1 with truncation on: the difference is a per-position log of the kept mass
 *   that one reported number cannot undo. So `logprobsMode` declares what the server returns and `generate`
 *   refuses option combinations whose log-probs would not be Cohort's (RangeError naming what to change);
 *   'cohort' declares a server that already follows Cohort's convention. We never send penalties or min_p.
 * The learner recomputes old log-probs itself; a worker's reported values are a cross-check (issue 5).
 */
import { promptIds, type Tokenizer } from '../tokenizer/index.js'
import {
  checkGenerateOptions,
  type Completion,
  type GenerateOptions,
  type Generation,
  type Generator,
  type Prompt,
} from './generator.js'

export type ServerLogprobsMode = 'raw_logprobs' | 'processed_logprobs' | 'cohort'

export interface OpenAICompatibleOptions {
  /** server root, e.g. http://127.0.0.1:8000 (the /v1/completions path is appended). */
  baseUrl: string
  /** the served model name. */
  model: string
  /** sent as `Authorization: Bearer …` when given. */
  apiKey?: string
  /** what the server's logprobs are (see the header); default vLLM's default, 'raw_logprobs'. */
  logprobsMode?: ServerLogprobsMode
  /** per-request timeout (default 600 s). */
  timeoutMs?: number
  /** the served model's tokenizer: every string prompt is sent as promptIds(tokenizer, …), the learner's ids */
  tokenizer?: Tokenizer
  /** with a tokenizer: raw text prompts start with its BOS (the version's cohort_prompt_bos; the learner's --add-bos) */
  addBos?: boolean
}

/** The part of an OpenAI / vLLM completions response we read. */
interface CompletionChoice {
  index: number
  text: string
  finish_reason: string | null
  token_ids?: number[] | null
  prompt_token_ids?: number[] | null
  logprobs?: { tokens?: string[]; token_logprobs?: (number | null)[] } | null
}

export class OpenAICompatibleGenerator implements Generator {
  private readonly url: string
  private readonly mode: ServerLogprobsMode

  constructor(private readonly o: OpenAICompatibleOptions) {
    let u: URL
    try {
      u = new URL(o.baseUrl)
    } catch {
      throw new RangeError(`baseUrl is not a URL: ${o.baseUrl}`)
    }
    this.url = `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/completions`
    this.mode = o.logprobsMode ?? 'raw_logprobs'
  }

  async generate(prompts: readonly Prompt[], opts: GenerateOptions): Promise<Generation[]> {
    checkGenerateOptions(opts, prompts.length)
    checkConvention(this.mode, opts)
    // prompts are tokenized here as the learner tokenizes them (chat: rendered with the model's template) and sent as ids
    const tok = this.o.tokenizer
    if (opts.chat && !tok) throw new RangeError('chat prompts need the model tokenizer (with its chat template) on this generator')
    const sent = tok ? prompts.map((p) => (typeof p === 'string' ? promptIds(tok, p, { chat: opts.chat, addBos: this.o.addBos }) : p)) : prompts
    return Promise.all(sent.map((p, i) => this.one(p, opts, opts.seed === undefined ? undefined : opts.seed + i)))
  }

  async close(): Promise<void> {}

  private async one(prompt: Prompt, opts: GenerateOptions, seed: number | undefined): Promise<Generation> {
    const body: Record<string, unknown> = {
      model: this.o.model,
      prompt: typeof prompt === 'string' ? prompt : [...prompt],
      n: opts.n,
      max_tokens: opts.maxNewTokens,
      temperature: opts.temperature,
      logprobs: 1,
      return_tokens_as_token_ids: true,
      return_token_ids: true,
      skip_special_tokens: true,
    }
    if (opts.topP !== undefined && opts.topP < 1) body.top_p = opts.topP
    if (opts.topK) body.top_k = opts.topK
    if (seed !== undefined) body.seed = seed
    if (opts.stop?.length) body.stop = [...opts.stop]
    if (opts.eos !== undefined) body.stop_token_ids = typeof opts.eos === 'number' ? [opts.eos] : [...opts.eos]

    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`
    const res = await fetch(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 600_000),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${this.url}: HTTP ${res.status}: ${text.slice(0, 500)}`)
    let json: { choices?: CompletionChoice[] }
    try {
      json = JSON.parse(text) as { choices?: CompletionChoice[] }
    } catch {
      throw new Error(`${this.url}: response is not JSON: ${text.slice(0, 200)}`)
    }
    const choices = [...(json.choices ?? [])].sort((a, b) => a.index - b.index)
    if (choices.length !== opts.n) throw new Error(`${this.url}: expected ${opts.n} choices, got ${choices.length}`)
    if (typeof prompt !== 'string')
      for (const c of choices) {
        const got = c.prompt_token_ids
        if (got && (got.length !== prompt.length || got.some((t, i) => t !== prompt[i])))
          throw new Error(
            `${this.url}: the server conditioned on prompt ids ${preview(got)}, not the ${prompt.length} ids sent ${preview(prompt)}: ` +
              'the learner would score these completions after another prompt; refusing the group (does the server add special tokens to token-id prompts?)',
          )
      }
    const promptTokenIds =
      typeof prompt !== 'string' ? [...prompt] :
      choices[0].prompt_token_ids ? [...choices[0].prompt_token_ids] :
      this.o.tokenizer ? this.o.tokenizer.encode(prompt) : undefined
    if (!promptTokenIds) throw new Error(`${this.url}: the server returned no prompt_token_ids for a text prompt; pass a tokenizer or token-id prompts`)
    return { promptTokenIds, completions: choices.map((c) => this.completion(c)) }
  }

  private completion(c: CompletionChoice): Completion {
    const lp = c.logprobs
    if (!lp?.token_logprobs) throw new Error(`${this.url}: choice ${c.index} has no logprobs (the server ignored "logprobs")`)
    const tokenIds = c.token_ids ? [...c.token_ids] : (lp.tokens ?? []).map((t) => parseTokenId(t, this.url))
    const logprobs = lp.token_logprobs.map((x, i) => {
      if (typeof x !== 'number') throw new Error(`${this.url}: choice ${c.index}: token ${i} has no log-prob`)
      return x
    })
    if (tokenIds.length !== logprobs.length)
      throw new Error(`${this.url}: choice ${c.index}: ${tokenIds.length} token ids but ${logprobs.length} log-probs`)
    if (c.finish_reason !== 'stop' && c.finish_reason !== 'length')
      throw new Error(`${this.url}: choice ${c.index}: finish_reason ${JSON.stringify(c.finish_reason)} (expected stop or length)`)
    return { text: c.text, tokenIds, logprobs, finishReason: c.finish_reason }
  }
}

/** The first ids of a prompt, for messages. */
function preview(ids: readonly number[]): string {
  return `[${ids.slice(0, 8).join(', ')}${ids.length > 8 ? `, … (${ids.length})` : ''}]`
}

/** "token_id:123" → 123 (vLLM's return_tokens_as_token_ids). */
function parseTokenId(t: string, url: string): number {
  const m = /^token_id:(\d+)$/.exec(t)
  if (!m) throw new Error(`${url}: token ${JSON.stringify(t)} is not "token_id:<id>" (the server ignored return_tokens_as_token_ids and sent no token_ids)`)
  return Number(m[1])
}

/** Refuse options under which the server's log-probs differ from Cohort's (see the header). */
export function checkConvention(mode: ServerLogprobsMode, o: GenerateOptions): void {
  const truncating = !!o.topK || (o.topP !== undefined && o.topP < 1)
  if (mode === 'raw_logprobs' && o.temperature !== 0 && o.temperature !== 1)
    throw new RangeError(
      `server logprobs mode raw_logprobs reports temperature-1 log-probs, not Cohort's log_softmax(logits/${o.temperature}): ` +
        'use temperature 1, or start vLLM with --logprobs-mode processed_logprobs and turn top-k/top-p off',
    )
  if (mode === 'processed_logprobs' && truncating)
    throw new RangeError(
      "server logprobs mode processed_logprobs reports log-probs after top-k/top-p truncation, not Cohort's (before it): " +
        'turn top-k/top-p off, or use temperature 1 with --logprobs-mode raw_logprobs',
    )
}
