/**
 * Request-shape guards: body size (→ 413, counted while streaming when no Content-Length is sent) and JSON
 * content type on requests with a body (→ 415). Both apply only where a route matched, so an unknown route is
 * a 404 whatever its method, body or content type.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import { bodyLimit as honoBodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../env.js'
import { ProblemError } from '../problem.js'

/** Whether a handler (not only middleware, registered for every method) matched this request. */
const routed = (c: Context) => matchedRoutes(c).some((r) => r.method !== 'ALL')

/** Whether the request carries a body: Node's server gives body-less DELETEs an empty stream, so ask the headers. */
const hasBody = (c: Context) =>
  c.req.raw.body !== null &&
  (c.req.header('transfer-encoding') !== undefined || (c.req.header('content-length') ?? '0') !== '0')

export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ProblemError(413, `request body is larger than the limit of ${maxBytes} bytes`)
    },
  })
  return (c, next) => (routed(c) ? limit(c, next) : next())
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i

export function requireJson(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (routed(c) && hasBody(c) && !JSON_TYPE.test(c.req.header('content-type') ?? ''))
      throw new ProblemError(415, 'request bodies must be JSON (Content-Type: application/json)')
    await next()
  }
}
