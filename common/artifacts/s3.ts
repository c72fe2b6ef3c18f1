/**
 * S3-compatible object storage (AWS S3, Cloudflare R2's S3 API, MinIO, s3rver) over fetch + SigV4: path-style
 * URLs <endpoint>/<bucket>/<key>. The learner's S3ArtifactStore writes with it; the edge reads with it, so
 * workers never need bucket credentials. Runs on Node and in Workers.
 * A version's address is s3://<bucket>/<prefix>versions/<sha256>/ (learner/publish/s3.ts).
 */
import { signRequest, uriEncode, type Credentials } from './sigv4.js'
import type { ArtifactReader } from './source.js'

export interface S3Options extends Credentials {
  /** e.g. https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000 */
  endpoint: string
  bucket: string
  /** SigV4 region ("auto" for R2; default us-east-1) */
  region?: string
  /** key prefix inside the bucket, e.g. "cohort/" (default none) */
  prefix?: string
  /** fetch to use (default globalThis.fetch) */
  fetch?: typeof fetch
}

export class S3Error extends Error {
  override name = 'S3Error'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The bucket named by the environment, or null when COHORT_S3_BUCKET is unset: COHORT_S3_ENDPOINT,
 * COHORT_S3_REGION (default us-east-1; "auto" for R2), COHORT_S3_PREFIX, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
 * Read by the learner (where to publish) and by the edge (where to stream from).
 */
export function s3OptionsFromEnv(env: Record<string, unknown>): S3Options | null {
  const str = (k: string) => (typeof env[k] === 'string' && env[k] ? (env[k] as string) : undefined)
  const bucket = str('COHORT_S3_BUCKET')
  if (!bucket) return null
  const need = (k: string) => {
    const v = str(k)
    if (!v) throw new Error(`COHORT_S3_BUCKET is set: ${k} is required too`)
    return v
  }
  return {
    endpoint: need('COHORT_S3_ENDPOINT'),
    bucket,
    region: str('COHORT_S3_REGION'),
    prefix: str('COHORT_S3_PREFIX'),
    accessKeyId: need('AWS_ACCESS_KEY_ID'),
    secretAccessKey: need('AWS_SECRET_ACCESS_KEY'),
  }
}

/** s3://bucket/key → { bucket, key } (key may be empty or end in '/'). */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri)
  if (!m) throw new Error(`not an s3:// location: ${uri}`)
  return { bucket: m[1], key: m[2] }
}

/** One signed request for `key` in the configured bucket; a non-2xx answer throws S3Error (body not read on HEAD). */
export async function s3Request(o: S3Options, method: 'GET' | 'PUT' | 'HEAD' | 'DELETE', key: string, body?: Uint8Array): Promise<Response> {
  if (!/^https?:\/\//.test(o.endpoint)) throw new Error(`S3 endpoint must be http(s)://…, got ${o.endpoint}`)
  const url = new URL(`${o.endpoint.replace(/\/$/, '')}/${uriEncode(o.bucket, false)}/${uriEncode(key, true)}`)
  const headers = await signRequest(
    { method, url, body, region: o.region ?? 'us-east-1', headers: body ? { 'content-type': 'application/octet-stream' } : {} },
    o,
  )
  delete headers.host // fetch sets it (same value)
  const res = await (o.fetch ?? fetch)(url, { method, headers, body: body as BodyInit | undefined })
  if (!res.ok) {
    const text = method === 'HEAD' ? '' : await res.text()
    throw new S3Error(res.status, `S3 ${method} ${key}: ${res.status} ${text.slice(0, 300)}`)
  }
  return res
}

/** Streams `path` of an s3://<o.bucket>/… version; null when the object does not exist. Other buckets are refused. */
export function s3Reader(o: S3Options): ArtifactReader {
  return async (uri, path) => {
    const { bucket, key } = parseS3Uri(uri)
    if (bucket !== o.bucket) throw new Error(`${uri} is in bucket ${bucket}; this edge reads bucket ${o.bucket} (COHORT_S3_BUCKET)`)
    try {
      const res = await s3Request(o, 'GET', key + path)
      const size = Number(res.headers.get('content-length'))
      return { body: res.body!, bytes: Number.isFinite(size) && res.headers.has('content-length') ? size : null }
    } catch (e) {
      if (e instanceof S3Error && e.status === 404) return null
      throw e
    }
  }
}
