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
import { PIECE_BYTES, parseJsonBytes } from './json-bytes.js'

/** Whether a handler (not only middleware, registered for every method) matched this request. */
const routed = (c: Context) => matchedRoutes(c).some((r) => r.method !== 'ALL')

/**
 * Whether the request carries a body, from its headers (HTTP frames a body by Content-Length or Transfer-Encoding;
 * Node's server gives body-less DELETEs an empty stream, and asking for `raw.body` there builds a whole Request).
 */
const hasBody = (c: Context) => c.req.header('transfer-encoding') !== undefined || (c.req.header('content-length') ?? '0') !== '0'

/** The Node request under a @hono/node-server request (its bindings are { incoming, outgoing }); else undefined. */
const nodeIncoming = (c: Context): NodeIncoming | undefined => {
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming
  return incoming && typeof incoming.on === 'function' && typeof incoming.resume === 'function' ? incoming : undefined
}
interface NodeIncoming {
  on(event: 'data', f: (chunk: Uint8Array) => void): unknown
  on(event: 'end' | 'error' | 'aborted', f: (err?: unknown) => void): unknown
  removeAllListeners(event: string): unknown
  resume(): unknown
}

/** The body's bytes; 413 past `maxBytes`. */
function readIncoming(incoming: NodeIncoming, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let size = 0
    incoming.on('data', (chunk) => {
      size += chunk.byteLength
      if (size > maxBytes) {
        incoming.removeAllListeners('data')
        incoming.resume() // discard the rest
        reject(new ProblemError(413, `request body is larger than the limit of ${maxBytes} bytes`))
      } else chunks.push(chunk)
    })
    incoming.on('end', () => resolve(Buffer.concat(chunks)))
    incoming.on('error', reject)
    incoming.on('aborted', () => reject(new Error('request aborted')))
  })
}

/** The body as UTF-8 text (a leading BOM dropped, as Request.text() does). */
function utf8Text(b: Buffer) {
  const text = b.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/**
 * Hand Hono a body read from Node through its body cache: its text (what c.req.text() and c.req.json() parse). A
 * large body (a batch) is not made one string unless c.req.text() asks: c.req.json() parses it from the bytes on
 * each call (json-bytes.ts).
 */
function cacheBody(c: Context, body: Buffer) {
  const cache = (c.req as unknown as { bodyCache: { text?: PromiseLike<string> } }).bodyCache
  if (body.byteLength <= PIECE_BYTES) {
    // the text is made when asked and not kept: c.req.json() parses it once, and a string held for the whole
    // request (a group's ~30 KB) outlived V8's young generation and was promoted, to be collected by a full GC
    cache.text = { then: (ok, fail) => Promise.resolve(utf8Text(body)).then(ok, fail) }
    return
  }
  let text: Promise<string> | undefined
  cache.text = { then: (ok, fail) => (text ??= new Promise((done) => done(utf8Text(body)))).then(ok, fail) }
  Object.assign(c.req, { json: () => new Promise((ok) => ok(parseJsonBytes(body))) })
}

/**
 * 413 past `maxBytes` (by Content-Length, or counted while reading). `readOnNode`: on Node, read the body straight
 * from the socket's stream and hand it to Hono's body cache, so neither this check nor the routes' validators
 * build a web Request and ReadableStream around it (for routes that only read the body through `c.req`).
 */
export function bodyLimit(maxBytes: number, opts: { readOnNode?: boolean } = {}): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new ProblemError(413, `request body is larger than the limit of ${maxBytes} bytes`)
  const limit = honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge()
    },
  })
  return async (c, next) => {
    if (!routed(c)) return next()
    const incoming = opts.readOnNode ? nodeIncoming(c) : undefined
    if (!incoming || !hasBody(c)) return limit(c, next)
    const length = c.req.header('content-length')
    if (length !== undefined && c.req.header('transfer-encoding') === undefined && Number(length) > maxBytes) throw tooLarge()
    cacheBody(c, await readIncoming(incoming, maxBytes))
    return next()
  }
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i

export function requireJson(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (routed(c) && hasBody(c) && !JSON_TYPE.test(c.req.header('content-type') ?? ''))
      throw new ProblemError(415, 'request bodies must be JSON (Content-Type: application/json)')
    await next()
  }
}
