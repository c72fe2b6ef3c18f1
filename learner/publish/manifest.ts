/**
 * Content addressing of a published version: every file's sha256 and size, and the manifest hash that names the
 * version. The manifest is canonical JSON (files sorted by path, keys in a fixed order), so the same files
 * always give the same hash:
 *   {"files":{"<path>":{"bytes":<n>,"sha256":"<hex>"},…}}      version sha256 = sha256(that text)
 */
import { createHash } from 'node:crypto'

export interface FileEntry {
  sha256: string
  bytes: number
}

export type FileTable = Record<string, FileEntry>

export interface Manifest {
  /** per-file hashes, by path relative to the version's root */
  files: FileTable
  /** sha256 (hex) of canonicalManifest(files): the version's address */
  sha256: string
}

export const MANIFEST_FILE = 'manifest.json'

export const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex')

export function fileEntry(data: Uint8Array): FileEntry {
  return { sha256: sha256Hex(data), bytes: data.byteLength }
}

export function canonicalManifest(files: FileTable): string {
  const paths = Object.keys(files).sort()
  const body = paths.map((p) => `${JSON.stringify(p)}:{"bytes":${files[p].bytes},"sha256":${JSON.stringify(files[p].sha256)}}`)
  return `{"files":{${body.join(',')}}}`
}

export function manifestOf(files: FileTable): Manifest {
  const sorted: FileTable = {}
  for (const p of Object.keys(files).sort()) sorted[p] = { sha256: files[p].sha256, bytes: files[p].bytes }
  return { files: sorted, sha256: sha256Hex(canonicalManifest(files)) }
}

/** A relative path inside a version: plain segments, no "..", not absolute; staged files may not be the manifest. */
export function checkArtifactPath(path: string, o: { staged?: boolean } = {}): void {
  const segs = path.split('/')
  if (o.staged && path === MANIFEST_FILE) throw new Error(`${MANIFEST_FILE} is written by the store, not staged`)
  if (path.startsWith('/') || segs.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\')))
    throw new Error(`artifact path ${JSON.stringify(path)} must be relative, without "." or ".." segments`)
}
