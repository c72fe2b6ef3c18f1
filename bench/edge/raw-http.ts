/**
 * The load generator's leanest HTTP client: one keep-alive HTTP/1.1 connection over a plain TCP socket, one request
 * at a time (a client's loop is sequential), each request written as one string, the response read by its
 * Content-Length (or chunked framing); a body in pieces is written corked (one writev). No header objects, no validation, no parser instance per request: on the
 * cores the server shares it costs a fraction of node:http's client per request, so what bench:edge measures is
 * more of the server. The requests are the same bytes node:http sends (method, path, Host, the given headers,
 * Content-Length, body); a connection the server closes is reopened for the next request.
 */
import { connect, type Socket } from 'node:net'

/**
 * A request body: one string, or pieces. A large body as one string costs the sender what it costs the server to
 * read one (V8 maps pages for each string past 128 KB): a batch of groups is sent as pieces that share the bytes.
 */
export type Body = string | readonly (string | Uint8Array)[]

export const bodyLength = (body: Body) =>
  typeof body === 'string' ? Buffer.byteLength(body) : body.reduce((n, p) => n + (typeof p === 'string' ? Buffer.byteLength(p) : p.byteLength), 0)

/** The body as one string or buffer (clients that take one). */
export const wholeBody = (body: Body) => (typeof body === 'string' ? body : Buffer.concat(body.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))))

export interface Reply {
  status: number
  text: string
}

const HEAD_END = Buffer.from('\r\n\r\n')

export class RawHttp {
  private socket: Socket | null = null
  private buf: Buffer = Buffer.alloc(0)
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null
  private readonly host: string
  private readonly port: number
  /** header lines sent with every request (Host first) */
  private readonly fixed: string

  constructor(url: string, headers: Record<string, string>) {
    const u = new URL(url)
    this.host = u.hostname
    this.port = Number(u.port || 80)
    this.fixed = `host: ${u.host}\r\n` + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
  }

  private open(): Socket {
    const s = connect({ host: this.host, port: this.port })
    s.setNoDelay(true)
    s.on('data', (d: Buffer) => this.onData(d))
    const fail = (err: Error) => {
      if (this.socket !== s) return // a connection already replaced (closed by the server's "connection: close")
      this.socket = null
      this.buf = Buffer.alloc(0)
      const p = this.pending
      this.pending = null
      p?.reject(err)
    }
    s.on('error', fail)
    s.on('close', () => fail(new Error('connection closed')))
    return s
  }

  /** POST a body given as one string, or as pieces (strings, bytes) written in a row without joining them. */
  post(path: string, body: Body): Promise<Reply> {
    if (this.pending) return Promise.reject(new Error('RawHttp: one request at a time'))
    const s = (this.socket ??= this.open())
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { resolve, reject }
      const head = `POST ${path} HTTP/1.1\r\n${this.fixed}content-length: ${bodyLength(body)}\r\n\r\n`
      if (typeof body === 'string') s.write(head + body)
      else {
        s.cork()
        s.write(head)
        for (const part of body) s.write(part)
        s.uncork()
      }
    })
  }

  private onData(d: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d
    const end = this.buf.indexOf(HEAD_END)
    if (end < 0 || !this.pending) return
    const head = this.buf.toString('latin1', 0, end)
    const status = Number(head.slice(9, 12))
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)
    let body: Buffer | null = null
    let used = 0
    if (length) {
      const n = Number(length[1])
      if (this.buf.length - end - 4 < n) return
      body = this.buf.subarray(end + 4, end + 4 + n)
      used = end + 4 + n
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: Buffer[] = []
      let at = end + 4
      for (;;) {
        const eol = this.buf.indexOf('\r\n', at)
        if (eol < 0) return
        const size = parseInt(this.buf.toString('latin1', at, eol), 16)
        if (this.buf.length < eol + 2 + size + 2) return
        if (size === 0) {
          used = eol + 4
          break
        }
        parts.push(this.buf.subarray(eol + 2, eol + 2 + size))
        at = eol + 2 + size + 2
      }
      body = Buffer.concat(parts)
    } else {
      body = Buffer.alloc(0) // no body (204, 304) or framed by close: bench routes always send a length
      used = end + 4
    }
    const p = this.pending
    this.pending = null
    const text = body.toString('utf8')
    this.buf = this.buf.length > used ? this.buf.subarray(used) : Buffer.alloc(0)
    if (/\r\nconnection:\s*close/i.test(head)) {
      this.socket?.destroy()
      this.socket = null
    }
    p.resolve({ status, text })
  }

  close() {
    this.socket?.destroy()
    this.socket = null
  }
}
