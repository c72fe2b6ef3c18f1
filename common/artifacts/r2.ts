/**
 * An R2 bucket binding on Workers: the learner publishes to R2 through its S3 API (s3://<bucket>/<key> URIs), and
 * the edge reads the same objects through the binding — no credentials in the Worker.
 */
import { parseS3Uri } from './s3.js'
import type { ArtifactReader } from './source.js'

/** An R2 bucket binding (Workers): s3://<bucket>/<key> → bucket.get(key). `name` refuses other buckets' URIs. */
export interface R2BucketLike {
  get(key: string): Promise<{ body: ReadableStream<Uint8Array>; size: number } | null>
}

export function r2Reader(bucket: R2BucketLike, name?: string): ArtifactReader {
  return async (uri, path) => {
    const { bucket: named, key } = parseS3Uri(uri)
    if (name && named !== name) throw new Error(`${uri} is in bucket ${named}; the R2 binding is bucket ${name}`)
    const obj = await bucket.get(key + path)
    return obj && { body: obj.body, bytes: obj.size }
  }
}
