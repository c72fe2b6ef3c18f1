/**
 * Reading one file of a published model version by the version's artifact URI (a folder ending in '/'), as a
 * stream — what the edge serves at GET /v1/models/{version}/files/{name}. One reader per URI scheme; each entry
 * point wires the ones it can reach (edge/node.ts, edge/worker.ts).
 */

export interface ArtifactObject {
  body: ReadableStream<Uint8Array>
  /** size in bytes when the store says */
  bytes: number | null
}

/** The object at `path` inside the version folder `uri`, or null when the store has no such object. */
export type ArtifactReader = (uri: string, path: string) => Promise<ArtifactObject | null>

export type ArtifactScheme = 'file' | 's3' | 'http'

/** This edge has no reader for the URI's scheme (e.g. file: on Workers, s3: without a bucket configured). */
export class ArtifactUnreachable extends Error {}

/** One reader over several schemes: file:, s3:, http(s): (http covers both). */
export function artifactReader(readers: Partial<Record<ArtifactScheme, ArtifactReader>>): ArtifactReader {
  return (uri, path) => {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1].toLowerCase()
    const key = scheme === 'https' ? 'http' : (scheme as ArtifactScheme | undefined)
    const read = key && Object.hasOwn(readers, key) ? readers[key] : undefined
    if (!read) {
      const have = Object.keys(readers).join(', ') || 'none'
      throw new ArtifactUnreachable(`this edge cannot read ${scheme ?? 'unknown'}: artifact locations (readers here: ${have})`)
    }
    return read(uri.endsWith('/') ? uri : uri + '/', path)
  }
}

/** A public bucket or CDN: GET <uri><path>; null on 404. */
export const httpReader: ArtifactReader = async (uri, path) => {
  const res = await fetch(uri + path.split('/').map(encodeURIComponent).join('/'))
  if (res.status === 404) return null
  if (!res.ok) throw new Error(`GET ${uri}${path}: HTTP ${res.status}`)
  const size = res.headers.get('content-length')
  return { body: res.body!, bytes: size === null ? null : Number(size) }
}
