/**
 * The canonical manifest of a published version: the text whose sha256 names it. Shared by the learner's
 * publisher, the edge's POST /v1/models and the workers that verify downloads, so all three agree on a version's
 * address:
 *   {"files":{"<path>":{"bytes":<n>,"sha256":"<hex>"},…}}      files sorted by path, keys in this order
 * Only sha256 and size enter it: a file's download URL may change (mirrors, presigned links) without changing
 * the version.
 */
export interface FileEntry {
  sha256: string
  bytes: number
  /** where to download this file when it is not under the version's artifactUri */
  url?: string
}

export type FileTable = Record<string, FileEntry>

export function canonicalManifest(files: FileTable): string {
  const paths = Object.keys(files).sort()
  const body = paths.map((p) => `${JSON.stringify(p)}:{"bytes":${files[p].bytes},"sha256":${JSON.stringify(files[p].sha256)}}`)
  return `{"files":{${body.join(',')}}}`
}

/** Why `path` is not a valid relative path inside a version (plain segments, no "..", not absolute), or null. */
export function artifactPathProblem(path: string): string | null {
  const segs = path.split('/')
  if (path.startsWith('/') || segs.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\')))
    return `artifact path ${JSON.stringify(path)} must be relative, without "." or ".." segments`
  return null
}
