/**
 * The http verifier against a real local HTTP server (node:http): signed requests the server checks, retries on
 * 500 with backoff, timeouts, bad bodies, out-of-range rewards, missing secrets — failures are per-completion
 * errors, never a silent 0.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { signBody, verifierSpec, verifySignature, verifyGroup } from '../../verifiers/index.js'

const SECRET = 'test-secret-value'
type Handler = (body: string, headers: Record<string, string | string[] | undefined>) => { status: number; body: string; delayMs?: number }

let server: Server
let base = ''
let handler: Handler
let hits = 0
let lastSignatureOk = false

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', async () => {
      hits++
      lastSignatureOk = await verifySignature(SECRET, String(req.headers['x-cohort-timestamp']), body, String(req.headers['x-cohort-signature']))
      const r = handler(body, req.headers)
      setTimeout(() => {
        res.writeHead(r.status, { 'content-type': 'application/json' })
        res.end(r.body)
      }, r.delayMs ?? 0)
    })
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((ok) => server.close(() => ok())))
beforeEach(() => {
  hits = 0
  lastSignatureOk = false
})

// Generous per-attempt timeout: under load a first attempt slower than a tight one would be retried and counted twice;
// the timeout test sets its own.
const run = (extra: object = {}, secrets: Record<string, string> = { grader: SECRET }, completions = ['a', 'bb']) =>
  verifyGroup(
    verifierSpec.parse({ type: 'http', url: `${base}/score`, secretRef: 'grader', backoffMs: 10, timeoutMs: 10_000, ...extra }),
    { prompt: 'p?', reference: 'ref', completions },
    { secrets },
  )

describe('http verifier', () => {
  it('posts a signed body and uses the returned rewards', async () => {
    let seen: unknown
    handler = (body) => {
      seen = JSON.parse(body)
      return { status: 200, body: JSON.stringify({ rewards: [0.25, 1] }) }
    }
    const v = await run()
    expect(v).toMatchObject({ status: 'ok', rewards: [0.25, 1] })
    expect(seen).toEqual({ prompt: 'p?', completions: ['a', 'bb'], reference: 'ref' })
    expect(lastSignatureOk).toBe(true)
    expect(hits).toBe(1)
  })

  it('the signature is HMAC-SHA256 over "timestamp.body" (independent check with node:crypto)', async () => {
    const { createHmac } = await import('node:crypto')
    const want = 'sha256=' + createHmac('sha256', SECRET).update('1700000000.{"x":1}').digest('hex')
    expect(await signBody(SECRET, '1700000000', '{"x":1}')).toBe(want)
    expect(await verifySignature(SECRET, '1700000000', '{"x":1}', want, 1700000000_000)).toBe(true)
    expect(await verifySignature('other', '1700000000', '{"x":1}', want, 1700000000_000)).toBe(false)
    expect(await verifySignature(SECRET, '1700000000', '{"x":1}', want, 1700009999_000)).toBe(false) // stale
  })

  it('retries 500s with backoff and succeeds', async () => {
    handler = () => (hits < 3 ? { status: 500, body: 'boom' } : { status: 200, body: '{"rewards":[0,1]}' })
    expect(await run()).toMatchObject({ status: 'ok', rewards: [0, 1] })
    expect(hits).toBe(3)
  })

  it('gives every completion an error after the retries are spent', async () => {
    handler = () => ({ status: 503, body: '' })
    const v = await run({ retries: 1 })
    expect(hits).toBe(2)
    expect(v.status).toBe('error')
    expect(v.rewards).toEqual([null, null])
    expect(v.details[0]).toMatchObject({ status: 'error', reason: 'http verifier: HTTP 503 (after 2 attempts)' })
  })

  it('times out a slow server', async () => {
    handler = () => ({ status: 200, body: '{"rewards":[1,1]}', delayMs: 1000 })
    const v = await run({ retries: 0, timeoutMs: 100 })
    expect(v.status).toBe('error')
    expect(v.details[1].reason).toMatch(/timed out after 100 ms/)
  })

  it.each([
    [{ status: 200, body: 'not json' }, /not JSON/],
    [{ status: 200, body: '{"scores":[1,1]}' }, /not \{ rewards/],
    [{ status: 200, body: '{"rewards":[1]}' }, /1 rewards for 2 completions/],
    [{ status: 200, body: '{"rewards":[1, 7]}' }, /outside the declared range/],
    [{ status: 401, body: '{}' }, /HTTP 401/],
    [{ status: 302, body: '' }, /HTTP 302/],
    [{ status: 200, body: `{"rewards":[1,1],"pad":"${'x'.repeat(2 * 1024 * 1024)}"}` }, /response larger than 1048576 bytes/],
  ])('rejects a bad response without retrying (%#)', async (response, why) => {
    handler = () => response
    const v = await run()
    expect(hits).toBe(1)
    expect(v.status).toBe('error')
    expect(v.details.every((d) => d.status === 'error' && why.test(d.reason ?? ''))).toBe(true)
  })

  it('honours a declared range', async () => {
    handler = () => ({ status: 200, body: '{"rewards":[-1, 5]}' })
    expect((await run({ range: [-1, 5] })).rewards).toEqual([-1, 5])
  })

  it('a missing secret or unreachable host is an error, never a 0', async () => {
    handler = () => ({ status: 200, body: '{"rewards":[1,1]}' })
    const v = await run({}, {})
    expect(v.details[0].reason).toMatch(/secret "grader" is not configured/)
    expect(hits).toBe(0)
    const down = await verifyGroup(
      verifierSpec.parse({ type: 'http', url: 'http://127.0.0.1:1/x', secretRef: 's', retries: 0 }),
      { reference: null, completions: ['a'] },
      { secrets: { s: 'x' } },
    )
    expect(down.details[0]).toMatchObject({ status: 'error', reward: null })
  })

  it('the spec holds a secret reference, not a secret, and only http(s) URLs', () => {
    expect(verifierSpec.safeParse({ type: 'http', url: 'https://x.test', secretRef: 'a', secret: 'plain' }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'http', url: 'ftp://x.test', secretRef: 'a' }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'http', url: 'https://x.test', secretRef: 'a', retries: 9 }).success).toBe(false)
  })
})
