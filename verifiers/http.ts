/**
 * `http`: a hosted verifier at an admin-registered URL. Cohort POSTs the JSON body
 *   { "prompt": string | null, "completions": string[], "reference": string | null }
 * with headers
 *   Content-Type: application/json
 *   X-Cohort-Timestamp: <unix seconds>
 *   X-Cohort-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
 * and expects 200 with { "rewards": number[] } (one per completion, each within `range`). The secret is never in
 * the spec: `secretRef` names it and the caller resolves it through `ctx.secrets`. Each attempt has a timeout;
 * network errors, timeouts, 429 and 5xx are retried up to `retries` times with exponential backoff
 * (backoffMs·2^k); other 4xx and invalid bodies are not retried. On failure every completion gets status 'error'
 * with the reason — never a silent 0 — so the group is stored as not ready and retried, not trained on.
 */
import { z } from 'zod'
import { failed, LIMITS } from './limits.js'
import type { CompletionVerdict, RunContext, VerifierDef } from './types.js'

export const httpSpec = z
  .object({
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/ }),
    /** Name of the shared secret, resolved through ctx.secrets (the secret itself is never stored in a spec). */
    secretRef: z.string().min(1).max(128),
    /** Per-attempt timeout (ms). */
    timeoutMs: z.number().int().min(10).max(30_000).default(5_000),
    /** Retries after the first attempt. */
    retries: z.number().int().min(0).max(5).default(2),
    /** First backoff (ms); doubles per retry. */
    backoffMs: z.number().int().min(0).max(10_000).default(200),
    /** Declared reward range; a reward outside it is a verifier failure. */
    range: z.tuple([z.number(), z.number()]).default([0, 1]).refine(([lo, hi]) => lo < hi, { message: 'range must be [lo, hi] with lo < hi' }),
  })
  .strict()
export type HttpSpec = z.infer<typeof httpSpec>

/** Largest response body read (bytes). */
export const HTTP_MAX_RESPONSE = 1024 * 1024

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` with Web Crypto (Workers and Node). */
export async function signBody(secret: string, timestamp: string, body: string): Promise<string> {
  const enc = new TextEncoder()
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return `sha256=${hex(await crypto.subtle.sign('HMAC', key, enc.encode(`${timestamp}.${body}`)))}`
}

/** Receiver side: constant-time check of a signature, and of the timestamp's age (default ±300 s). */
export async function verifySignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  nowMs = Date.now(),
  maxSkewS = 300,
): Promise<boolean> {
  const ts = Number(timestamp)
  if (!Number.isInteger(ts) || Math.abs(nowMs / 1000 - ts) > maxSkewS) return false
  const want = await signBody(secret, timestamp, body)
  if (want.length !== signature.length) return false
  let diff = 0
  for (let i = 0; i < want.length; i++) diff |= want.charCodeAt(i) ^ signature.charCodeAt(i)
  return diff === 0
}

const responseSchema = z.object({ rewards: z.array(z.number()) })

class Permanent extends Error {}

/** The response body as text, refusing (without buffering it) a body over `max` bytes. */
async function readLimited(res: Response, max: number): Promise<string> {
  const tooBig = () => new Permanent(`response larger than ${max} bytes`)
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel()
    throw tooBig()
  }
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel()
      throw tooBig()
    }
    chunks.push(value)
  }
  const all = new Uint8Array(total)
  let off = 0
  for (const c of chunks) {
    all.set(c, off)
    off += c.byteLength
  }
  return new TextDecoder().decode(all)
}

async function attempt(spec: HttpSpec, body: string, headers: Record<string, string>, n: number, f: typeof fetch): Promise<number[]> {
  const ctl = new AbortController()
  const timer = setTimeout(() => ctl.abort(), spec.timeoutMs)
  let res: Response
  let text: string
  try {
    // 'manual': a redirect is answered as its 3xx status (a permanent failure); workerd has no 'error' mode.
    res = await f(spec.url, { method: 'POST', body, headers, signal: ctl.signal, redirect: 'manual' })
    text = await readLimited(res, HTTP_MAX_RESPONSE)
  } catch (e) {
    if (e instanceof Permanent) throw e
    throw new Error(ctl.signal.aborted ? `timed out after ${spec.timeoutMs} ms` : `request failed: ${(e as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
  if (res.status === 429 || res.status >= 500) throw new Error(`HTTP ${res.status}`)
  if (res.status !== 200) throw new Permanent(`HTTP ${res.status}`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Permanent('response is not JSON')
  }
  const parsed = responseSchema.safeParse(json)
  if (!parsed.success) throw new Permanent('response is not { rewards: number[] }')
  const { rewards } = parsed.data
  if (rewards.length !== n) throw new Permanent(`response has ${rewards.length} rewards for ${n} completions`)
  const [lo, hi] = spec.range
  const bad = rewards.findIndex((r) => !Number.isFinite(r) || r < lo || r > hi)
  if (bad >= 0) throw new Permanent(`reward ${bad} (${rewards[bad]}) outside the declared range [${lo}, ${hi}]`)
  return rewards
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const http: VerifierDef<HttpSpec> = {
  async score(spec, input, ctx: RunContext): Promise<CompletionVerdict[]> {
    const all = (reason: string) => input.completions.map(() => failed(`http verifier: ${reason}`))
    const secret = ctx.secrets?.[spec.secretRef]
    if (secret === undefined) return all(`secret "${spec.secretRef}" is not configured`)
    if (input.completions.some((c) => c.length > LIMITS.completionChars)) return all('a completion is too long to send')
    const body = JSON.stringify({ prompt: input.prompt ?? null, completions: input.completions, reference: input.reference })
    const f = ctx.fetch ?? globalThis.fetch
    let last = ''
    for (let k = 0; k <= spec.retries; k++) {
      if (k > 0) {
        const wait = spec.backoffMs * 2 ** (k - 1)
        if (ctx.now() + wait > ctx.deadline) break
        await sleep(wait)
      }
      const timestamp = String(Math.floor(ctx.now() / 1000))
      const headers = {
        'Content-Type': 'application/json',
        'X-Cohort-Timestamp': timestamp,
        'X-Cohort-Signature': await signBody(secret, timestamp, body),
      }
      try {
        const rewards = await attempt(spec, body, headers, input.completions.length, f)
        return rewards.map((reward) => ({ reward, status: 'ok' }))
      } catch (e) {
        last = (e as Error).message
        if (e instanceof Permanent) return all(last)
      }
    }
    return all(`${last} (after ${spec.retries + 1} attempts)`)
  },
}
