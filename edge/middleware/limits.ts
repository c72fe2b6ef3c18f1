/**
 * Request-shape guards: body size (→ 413, counted while streaming when no Content-Length is sent) and JSON
 * content type on requests with a body (→ 415).
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit as honoBodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../env.js'
import { ProblemError } from '../problem.js'

export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ProblemError(413, `request body is larger than the limit of ${maxBytes} bytes`)
    },
  })
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i

export function requireJson(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.raw.body !== null && !JSON_TYPE.test(c.req.header('content-type') ?? ''))
      throw new ProblemError(415, 'request bodies must be JSON (Content-Type: application/json)')
    await next()
  }
}
