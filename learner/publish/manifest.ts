/**
 * Content addressing of a published version: every file's sha256 and size, and the manifest hash that names the
 * version. The manifest is canonical JSON (files sorted by path, keys in a fixed order), so the same files
 * always give the same hash:
 *   {"files":{"<path>":{"bytes":<n>,"sha256":"<hex>"},…}}      version sha256 = sha256(that text)
 */
import { createHash } from 'node:crypto'
import { artifactPathProblem, canonicalManifest, type FileEntry, type FileTable } from '../../common/manifest.js'

export { canonicalManifest, type FileEntry, type FileTable }

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

export function manifestOf(files: FileTable): Manifest {
  const sorted: FileTable = {}
  for (const p of Object.keys(files).sort()) sorted[p] = { sha256: files[p].sha256, bytes: files[p].bytes }
  return { files: sorted, sha256: sha256Hex(canonicalManifest(files)) }
}

/** A relative path inside a version: plain segments, no "..", not absolute; staged files may not be the manifest. */
export function checkArtifactPath(path: string, o: { staged?: boolean } = {}): void {
  if (o.staged && path === MANIFEST_FILE) throw new Error(`${MANIFEST_FILE} is written by the store, not staged`)
  const problem = artifactPathProblem(path)
  if (problem) throw new Error(problem)
}
