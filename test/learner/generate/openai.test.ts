/**
 * OpenAICompatibleGenerator against a real node:http server that answers POST /v1/completions as vLLM does
 * (response shape of vLLM's OpenAI-compatible server: choices[].text / finish_reason / logprobs.tokens as
 * "token_id:<id>" / token_logprobs, plus token_ids and prompt_token_ids with return_token_ids).
 * The server's "model" is a bigram logit table; it reports log-probs in vLLM's raw_logprobs or
 * processed_logprobs mode. The test recomputes Cohort's convention independently in float64 and checks the
 * generator returns exactly it where the mode allows, and refuses where it cannot.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OpenAICompatibleGenerator, type ServerLogprobsMode } from '../../../learner/generate/index.js'
import { promptIds, type Tokenizer } from '../../../learner/tokenizer/index.js'

const V = 16
const EOS = 15
/** bigram logits Z[prev][next] (deterministic, spread enough that top-k/top-p bind) */
const Z = Array.from({ length: V }, (_, p) => Array.from({ length: V }, (_, v) => Math.sin(1.3 * p + 0.7 * v) * 3 + (v === EOS ? -1 : 0)))
const decode = (ids: number[]) => ids.filter((t) => t !== EOS).map((t) => String.fromCharCode(97 + t)).join('')
const encode = (s: string) => [...s].map((c) => c.charCodeAt(0) - 97)

function logSoftmax(z: number[]): number[] {
  const m = Math.max(...z)
  const lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0))
  return z.map((x) => x - lse)
}

/** Cohort's convention, independently: log_softmax(Z[prev] / T)[t] (T = 0 reported at 1). */
const cohortLogprob = (prev: number, t: number, T: number) => logSoftmax(Z[prev].map((x) => x / (T === 0 ? 1 : T)))[t]

interface Body {
  prompt: string | number[]
  n: number
  max_tokens: number
  temperature: number
  top_p?: number
  top_k?: number
  seed?: number
  stop?: string[]
  stop_token_ids?: number[]
  logprobs?: number
  return_tokens_as_token_ids?: boolean
  return_token_ids?: boolean
}

/** vLLM's processing order: temperature (greedy → 1), top-k, top-p (mass of the kept tokens), renormalised. */
function processed(z: number[], b: Body): number[] {
  const T = b.temperature < 1e-5 ? 1 : b.temperature
  let s = z.map((x) => x / T)
  if (b.top_k) {
    const kth = [...s].sort((a, c) => c - a)[b.top_k - 1]
    s = s.map((x) => (x < kth ? -Infinity : x))
  }
  if (b.top_p !== undefined && b.top_p < 1) {
    const p = logSoftmax(s).map(Math.exp)
    const order = [...p.keys()].sort((i, j) => p[i] - p[j]) // ascending as vLLM
    let cum = 0
    const drop = new Set<number>()
    for (let q = 0; q < order.length - 1; q++) {
      cum += p[order[q]]
      if (cum <= 1 - b.top_p) drop.add(order[q])
    }
    s = s.map((x, i) => (drop.has(i) ? -Infinity : x))
  }
  return logSoftmax(s)
}

function vllmLike(mode: Exclude<ServerLogprobsMode, 'cohort'>, opts: { tokenIdsField: boolean }) {
  const requests: Body[] = []
  const auth: (string | undefined)[] = []
  /** set: the server conditions on this id followed by the prompt (a server adding a BOS the client did not send) */
  const misbehave: { prepend?: number } = {}
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    if (req.method !== 'POST' || req.url !== '/v1/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'error', message: 'Not Found' }))
      return
    }
    const b = JSON.parse(Buffer.concat(chunks).toString()) as Body
    requests.push(b)
    auth.push(req.headers.authorization)
    if (b.max_tokens > 64) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'error', message: "max_tokens too large", type: 'BadRequestError', code: 400 }))
      return
    }
    const promptIds = [...(misbehave.prepend === undefined ? [] : [misbehave.prepend]), ...(typeof b.prompt === 'string' ? encode(b.prompt) : b.prompt)]
    let state = (b.seed ?? 7) * 2654435761 % 2 ** 32
    const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32)
    const stops = new Set([EOS, ...(b.stop_token_ids ?? [])])
    const choices = Array.from({ length: b.n }, (_, index) => {
      const ids: number[] = []
      const lps: number[] = []
      let prev = promptIds[promptIds.length - 1]
      let finish = 'length'
      while (ids.length < b.max_tokens) {
        const lp = processed(Z[prev], b)
        let t: number
        if (b.temperature < 1e-5) t = lp.indexOf(Math.max(...lp))
        else {
          let u = rand()
          t = V - 1
          for (let v = 0; v < V; v++) if ((u -= Math.exp(lp[v])) < 0) { t = v; break }
          while (lp[t] === -Infinity) t--
        }
        ids.push(t)
        lps.push(mode === 'raw_logprobs' ? logSoftmax(Z[prev])[t] : lp[t])
        prev = t
        if (stops.has(t)) { finish = 'stop'; break }
        if (b.stop?.some((s) => decode(ids).includes(s))) { finish = 'stop'; break }
      }
      let text = decode(ids)
      for (const s of b.stop ?? []) if (text.includes(s)) text = text.slice(0, text.indexOf(s))
      return {
        index,
        text,
        logprobs: {
          tokens: ids.map((t) => (b.return_tokens_as_token_ids ? `token_id:${t}` : decode([t]))),
          token_logprobs: lps,
          top_logprobs: ids.map((t, i) => ({ [`token_id:${t}`]: lps[i] })),
          text_offset: ids.map((_, i) => decode(ids.slice(0, i)).length),
        },
        finish_reason: finish,
        stop_reason: null,
        ...(opts.tokenIdsField && b.return_token_ids ? { token_ids: ids, prompt_token_ids: promptIds } : {}),
      }
    })
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      id: `cmpl-${requests.length}`, object: 'text_completion', created: 0, model: 'tiny', choices,
      usage: { prompt_tokens: promptIds.length, completion_tokens: choices.reduce((s, c) => s + c.logprobs.tokens.length, 0), total_tokens: 0 },
    }))
  }
  const server = createServer((req, res) => void handler(req, res))
  return { server, requests, auth, misbehave }
}

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
}

function expectCohortLogprobs(prompt: number[], ids: number[], lps: number[], T: number) {
  let prev = prompt[prompt.length - 1]
  ids.forEach((t, i) => {
    expect(lps[i]).toBeCloseTo(cohortLogprob(prev, t, T), 12)
    prev = t
  })
}

describe('OpenAICompatibleGenerator (vLLM-like server, raw_logprobs)', () => {
  const raw = vllmLike('raw_logprobs', { tokenIdsField: false })
  let url = ''
  beforeAll(async () => { url = await listen(raw.server) })
  afterAll(() => new Promise<void>((r) => raw.server.close(() => r())))

  it('sends a vLLM completions request and maps token ids, log-probs and finish reasons', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: `${url}/v1/`, model: 'tiny', apiKey: 'k' })
    const prompts = [[1, 2, 3], [4, 4]]
    const out = await g.generate(prompts, { n: 4, maxNewTokens: 12, temperature: 1, topK: 5, topP: 0.9, seed: 3 })
    const b = raw.requests.at(-2)!
    expect(b).toMatchObject({ model: 'tiny', n: 4, max_tokens: 12, temperature: 1, top_k: 5, top_p: 0.9, logprobs: 1, return_tokens_as_token_ids: true })
    expect(raw.requests.slice(-2).map((r) => r.seed).sort()).toEqual([3, 4])
    expect(raw.auth.at(-1)).toBe('Bearer k')
    expect(out).toHaveLength(2)
    let stopped = 0
    out.forEach((gen, i) => {
      expect(gen.promptTokenIds).toEqual(prompts[i])
      expect(gen.completions).toHaveLength(4)
      for (const c of gen.completions) {
        expect(c.tokenIds.length).toBe(c.logprobs.length)
        expect(c.text).toBe(decode(c.tokenIds))
        if (c.finishReason === 'stop') { stopped++; expect(c.tokenIds.at(-1)).toBe(EOS) } else expect(c.tokenIds).toHaveLength(12)
        // at temperature 1 vLLM's raw log-probs ARE Cohort's, top-k/top-p notwithstanding
        expectCohortLogprobs(prompts[i], c.tokenIds, c.logprobs, 1)
      }
    })
    expect(stopped).toBeGreaterThan(0)
  })

  it('greedy (temperature 0) is allowed: Cohort reports it at temperature 1, as raw_logprobs does', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny' })
    const [gen] = await g.generate([[5]], { n: 2, maxNewTokens: 6, temperature: 0 })
    expect(gen.completions[0].tokenIds).toEqual(gen.completions[1].tokenIds)
    expectCohortLogprobs([5], gen.completions[0].tokenIds, gen.completions[0].logprobs, 0)
  })

  it('refuses temperature ≠ 1 under raw_logprobs before sending anything', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny' })
    const before = raw.requests.length
    await expect(g.generate([[1]], { n: 2, maxNewTokens: 4, temperature: 0.7 })).rejects.toThrow(/processed_logprobs/)
    expect(raw.requests.length).toBe(before)
  })

  it('surfaces HTTP errors with status and message; rejects bad options', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny' })
    await expect(g.generate([[1]], { n: 1, maxNewTokens: 100, temperature: 1 })).rejects.toThrow(/HTTP 400.*max_tokens too large/)
    await expect(g.generate([[1]], { n: 0, maxNewTokens: 4, temperature: 1 })).rejects.toThrow(/n must be/)
    await expect(g.generate([[1]], { n: 1, maxNewTokens: 4, temperature: 1, topP: 1.5 })).rejects.toThrow(/topP/)
    expect(() => new OpenAICompatibleGenerator({ baseUrl: 'not a url', model: 'x' })).toThrow(/baseUrl/)
  })

  it('chat prompts are rendered with the tokenizer\'s template (promptIds, as the learner does) and sent as ids', async () => {
    const tokenizer: Tokenizer = {
      encode: (t) => [...t].map((ch) => ch.charCodeAt(0) - 97),
      decode,
      eos: EOS,
      pad: EOS,
      vocabSize: V,
      chatTemplate: "{% for m in messages %}{{ m.content }}{% endfor %}{% if add_generation_prompt %}{{ 'n' }}{% endif %}",
    }
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny', tokenizer })
    const [gen] = await g.generate(['cd'], { n: 1, maxNewTokens: 3, temperature: 1, chat: { system: 'ab' } })
    expect(raw.requests.at(-1)!.prompt).toEqual([0, 1, 2, 3, 13])
    expect(gen.promptTokenIds).toEqual(promptIds(tokenizer, 'cd', { chat: { system: 'ab' } }))
    await expect(new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny' }).generate(['cd'], { n: 1, maxNewTokens: 3, temperature: 1, chat: {} })).rejects.toThrow(/chat prompts need the model tokenizer/)
  })

  it('with a tokenizer, text prompts too are sent as the learner\'s promptIds (its BOS under addBos), never as a string the server tokenizes', async () => {
    const BOS = 14
    const tokenizer: Tokenizer = { encode, decode, bos: BOS, eos: EOS, pad: EOS, vocabSize: V }
    for (const addBos of [true, false]) {
      const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny', tokenizer, addBos })
      const [gen] = await g.generate(['cd'], { n: 2, maxNewTokens: 3, temperature: 1 })
      const learner = promptIds(tokenizer, 'cd', { addBos }) // what service/batch.ts prepareGroup rebuilds
      expect(learner).toEqual(addBos ? [BOS, 2, 3] : [2, 3])
      expect(raw.requests.at(-1)!.prompt).toEqual(learner)
      expect(gen.promptTokenIds).toEqual(learner)
      for (const c of gen.completions) expectCohortLogprobs(learner, c.tokenIds, c.logprobs, 1)
    }
  })

  it('text prompts without prompt_token_ids from the server need a tokenizer', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny' })
    await expect(g.generate(['abc'], { n: 1, maxNewTokens: 3, temperature: 1 })).rejects.toThrow(/prompt_token_ids/)
  })
})

describe('OpenAICompatibleGenerator (vLLM-like server, processed_logprobs, token_ids field)', () => {
  const proc = vllmLike('processed_logprobs', { tokenIdsField: true })
  let url = ''
  beforeAll(async () => { url = await listen(proc.server) })
  afterAll(() => new Promise<void>((r) => proc.server.close(() => r())))

  it('at temperature 0.6 without truncation the log-probs are Cohort’s; stop strings cut the text', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny', logprobsMode: 'processed_logprobs' })
    const out = await g.generate(['bc', 'f'], { n: 3, maxNewTokens: 10, temperature: 0.6, seed: 11, stop: ['ee'], eos: [EOS, 9] })
    const b = proc.requests.at(-1)!
    expect(b.stop).toEqual(['ee'])
    expect(b.stop_token_ids).toEqual([EOS, 9])
    expect(out[0].promptTokenIds).toEqual(encode('bc'))
    for (const gen of out) for (const c of gen.completions) {
      expectCohortLogprobs(gen.promptTokenIds, c.tokenIds, c.logprobs, 0.6)
      expect(c.text.includes('ee')).toBe(false)
    }
  })

  it('a reply whose prompt_token_ids differ from the ids sent is refused (the learner would score another prompt)', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny', logprobsMode: 'processed_logprobs' })
    expect((await g.generate([[1, 2]], { n: 2, maxNewTokens: 3, temperature: 1 }))[0].promptTokenIds).toEqual([1, 2])
    proc.misbehave.prepend = 14
    try {
      await expect(g.generate([[1, 2]], { n: 2, maxNewTokens: 3, temperature: 1 })).rejects.toThrow(/conditioned on prompt ids \[14, 1, 2\], not the 2 ids sent \[1, 2\].*refusing the group/)
      const tokenizer: Tokenizer = { encode, decode, eos: EOS, pad: EOS, vocabSize: V }
      const t = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny', logprobsMode: 'processed_logprobs', tokenizer })
      await expect(t.generate(['bc'], { n: 1, maxNewTokens: 3, temperature: 1 })).rejects.toThrow(/conditioned on prompt ids/)
    } finally {
      proc.misbehave.prepend = undefined
    }
  })

  it('refuses top-k/top-p under processed_logprobs (they renormalise the reported log-probs)', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny', logprobsMode: 'processed_logprobs' })
    await expect(g.generate([[1]], { n: 1, maxNewTokens: 4, temperature: 0.6, topK: 3 })).rejects.toThrow(/truncation/)
  })

  it('a server declared as following Cohort’s convention may truncate at any temperature (values passed through)', async () => {
    const g = new OpenAICompatibleGenerator({ baseUrl: url, model: 'tiny', logprobsMode: 'cohort' })
    const [gen] = await g.generate([[2]], { n: 2, maxNewTokens: 5, temperature: 0.8, topK: 4 })
    const sent = proc.requests.at(-1)!
    expect(sent.top_k).toBe(4)
    // the generator passes the server's values through untouched (here: this server's renormalised ones)
    for (const c of gen.completions) {
      let prev = 2
      c.tokenIds.forEach((t, i) => {
        expect(c.logprobs[i]).toBe(processed(Z[prev], sent)[t])
        prev = t
      })
    }
  })
})
