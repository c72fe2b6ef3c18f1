/**
 * gunzipBody(maxBytes): requests sent with `Content-Encoding: gzip` (Atropos' environments compress every body of
 * 1 KB or more) are decompressed before anything reads them, counting the decompressed bytes against the same
 * limit as plain bodies (→ 413: a small gzip bomb cannot expand past it). A body that is not valid gzip → 400;
 * another encoding → 415. Uses the platform's DecompressionStream (Node ≥ 18 and workerd).
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.js'
import { ProblemError } from '../problem.js'

export function gunzipBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const encoding = c.req.header('content-encoding')?.trim().toLowerCase()
    const raw = c.req.raw
    if (!encoding || encoding === 'identity' || raw.body === null) return next()
    if (encoding !== 'gzip') throw new ProblemError(415, `Content-Encoding ${encoding} is not accepted: send gzip or none`)
    const reader = raw.body.pipeThrough(new DecompressionStream('gzip')).getReader()
    const parts: Uint8Array[] = []
    let size = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > maxBytes) {
          await reader.cancel().catch(() => {})
          throw new ProblemError(413, `request body is larger than the limit of ${maxBytes} bytes once decompressed`)
        }
        parts.push(value)
      }
    } catch (err) {
      if (err instanceof ProblemError) throw err
      throw new ProblemError(400, `the body is not valid gzip: ${(err as Error).message}`.slice(0, 300))
    }
    const body = new Uint8Array(size)
    let at = 0
    for (const p of parts) {
      body.set(p, at)
      at += p.byteLength
    }
    const headers = new Headers(raw.headers)
    headers.delete('content-encoding')
    headers.set('content-length', String(size))
    c.req.raw = new Request(raw.url, { method: raw.method, headers, body })
    await next()
  }
}
