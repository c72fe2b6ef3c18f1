/**
 * AWS Signature Version 4 for S3-compatible stores (AWS S3, Cloudflare R2, MinIO …) with fetch-style requests
 * and Web Crypto only (runs on Node and in Workers). Reference: AWS "Signature Version 4 signing process";
 * checked against AWS's published S3 GET example and botocore (test/learner/publish/s3.test.ts).
 *   canonical request = METHOD \n URI \n QUERY \n headers (k:v\n, sorted) \n signed-header names \n sha256(body)
 *   string to sign    = "AWS4-HMAC-SHA256" \n amzDate \n date/region/service/aws4_request \n sha256(canonical)
 *   signature         = hex HMAC(HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"), sts)
 */

export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
}

export interface SignInput {
  method: string
  url: URL
  /** extra headers to send and sign (lower- or mixed-case names) */
  headers?: Record<string, string>
  body?: Uint8Array
  region: string
  service?: string
  now?: Date
}

const enc = new TextEncoder()
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('')

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', (typeof data === 'string' ? enc.encode(data) : data) as BufferSource))
}

async function hmac(key: Uint8Array | ArrayBuffer, data: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return crypto.subtle.sign('HMAC', k, enc.encode(data))
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept; '/' kept in paths). */
export function uriEncode(s: string, keepSlash: boolean): string {
  return [...enc.encode(s)]
    .map((b) => {
      const c = String.fromCharCode(b)
      if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) return c
      return '%' + b.toString(16).toUpperCase().padStart(2, '0')
    })
    .join('')
}

/** The headers to send: the given ones plus host, x-amz-date, x-amz-content-sha256 and Authorization. */
export async function signRequest(i: SignInput, creds: Credentials): Promise<Record<string, string>> {
  const service = i.service ?? 's3'
  const amzDate = (i.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const date = amzDate.slice(0, 8)
  const payloadHash = await sha256Hex(i.body ?? new Uint8Array())
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(i.headers ?? {})) headers[k.toLowerCase()] = v.trim().replace(/\s+/g, ' ')
  headers.host = i.url.host
  headers['x-amz-date'] = amzDate
  headers['x-amz-content-sha256'] = payloadHash
  const names = Object.keys(headers).sort()
  const path = uriEncode(decodeURIComponent(i.url.pathname), true)
  const query = [...i.url.searchParams]
    .map(([k, v]) => [uriEncode(k, false), uriEncode(v, false)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const canonical = [i.method.toUpperCase(), path, query, names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'), payloadHash].join('\n')
  const scope = `${date}/${i.region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256Hex(canonical)].join('\n')
  let key: ArrayBuffer = await hmac(enc.encode(`AWS4${creds.secretAccessKey}`), date)
  for (const part of [i.region, service, 'aws4_request']) key = await hmac(key, part)
  const signature = hex(await hmac(key, toSign))
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  }
}
