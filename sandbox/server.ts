/**
 * `cohort sandbox`: an HTTP server speaking exactly Cohort's `http` verifier protocol (verifiers/http.ts) that
 * scores `code-tests` in this machine's process pools — how a Worker (which cannot host Python) gets Python
 * rewards. A task on Workers uses
 *   { "type": "http", "url": "https://sandbox.example/code-tests?language=python&scoring=fraction", "secretRef": "sandbox" }
 * POST /code-tests (or /): body { prompt, completions, reference } signed with X-Cohort-Timestamp /
 * X-Cohort-Signature (HMAC-SHA256 of `timestamp.body`, ±300 s). The query string holds the code-tests spec's
 * fields (language, scoring, timeoutMs, memoryMb; defaults from the command line). Replies:
 *   200 { rewards, details }                  every completion scored (a failing program is a reward, not an error)
 *   400 / 401 / 413 / 422 problem+json        bad request, bad signature, body too large, reference unusable
 *   503 problem+json + Retry-After            the pool is over capacity or failed (the edge retries)
 * GET /healthz → { ok, pools }.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { codeTestsSpec, LIMITS, verifyGroup, verifySignature, type CodeSandbox } from '../verifiers/index.js'
import { problemResponse } from '../edge/problem.js'
import type { ProcessPool, SandboxLanguage } from './pool.js'

export interface SandboxServerOptions {
  secret: string
  port?: number
  hostname?: string
  /** Spec defaults for requests whose URL does not say (language python, scoring all, 2000 ms, 64 MiB). */
  defaults?: Partial<z.input<typeof codeTestsSpec>>
  /** The pools to report in /healthz (the verifier uses whatever sandboxes are registered). */
  pools?: Partial<Record<SandboxLanguage, ProcessPool | CodeSandbox>>
  /** Largest request body (bytes, default 16 MiB). */
  bodyLimitBytes?: number
}

export interface SandboxServer {
  url: string
  close(): Promise<void>
}

const Body = z
  .object({
    prompt: z.string().nullable().optional(),
    completions: z.array(z.string().max(LIMITS.completionChars)).min(1).max(LIMITS.groupSize),
    reference: z.string().max(LIMITS.referenceChars).nullable(),
  })
  .strict()

const QUERY_NUMBERS = new Set(['timeoutMs', 'memoryMb'])

export function sandboxApp(opts: SandboxServerOptions): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => {
    const pools = Object.fromEntries(
      Object.entries(opts.pools ?? {}).map(([k, p]) => [k, 'stats' in (p as object) ? (p as ProcessPool).stats : {}]),
    )
    return c.json({ ok: true, pools })
  })
  const score = async (c: import('hono').Context) => {
    const text = await c.req.text()
    const ok = await verifySignature(
      opts.secret,
      c.req.header('x-cohort-timestamp') ?? '',
      text,
      c.req.header('x-cohort-signature') ?? '',
    )
    if (!ok) return problemResponse(401, 'missing or invalid X-Cohort-Signature (HMAC-SHA256 of "timestamp.body", ±300 s)')
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return problemResponse(400, 'body is not JSON')
    }
    const body = Body.safeParse(json)
    if (!body.success) return problemResponse(400, `body: ${body.error.issues[0].path.join('.')} ${body.error.issues[0].message}`)
    const fromQuery: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(c.req.query())) fromQuery[k] = QUERY_NUMBERS.has(k) ? Number(v) : v
    const spec = codeTestsSpec.safeParse({ language: 'python', ...opts.defaults, ...fromQuery, type: 'code-tests' })
    if (!spec.success) return problemResponse(400, `spec: ${spec.error.issues[0].path.join('.')} ${spec.error.issues[0].message}`)
    const verdict = await verifyGroup(spec.data, {
      prompt: body.data.prompt ?? undefined,
      reference: body.data.reference,
      completions: body.data.completions,
    })
    const details = verdict.details.map(({ status, reason }) => ({ status, reason }))
    if (verdict.status === 'error') {
      const reason = verdict.details.find((d) => d.status === 'error')?.reason ?? 'sandbox error'
      if (/^(needs a reference|reference)/.test(reason)) return problemResponse(422, reason)
      return problemResponse(503, reason, { headers: { 'retry-after': '1' } })
    }
    return c.json({ rewards: verdict.rewards, details })
  }
  const limit = bodyLimit({
    maxSize: opts.bodyLimitBytes ?? 16 * 1024 * 1024,
    onError: () => problemResponse(413, 'request body too large'),
  })
  app.post('/', limit, score)
  app.post('/code-tests', limit, score)
  app.notFound(() => problemResponse(404, 'not found: POST /code-tests (or /), GET /healthz'))
  return app
}

/** Listen on port (0: any free port) and hostname (default 127.0.0.1). */
export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const app = sandboxApp(opts)
  const hostname = opts.hostname ?? '127.0.0.1'
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${hostname}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
