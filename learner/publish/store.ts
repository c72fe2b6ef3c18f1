/**
 * The artifact store seam: where published versions' files live, addressed by their manifest hash.
 *   const dir = await store.stage()           // a fresh local folder: assemble the version's files in it
 *   const v = await store.commit(dir)         // hash every file, store them under <sha256>/, return the address
 *   const bytes = await store.read(v.uri, 'model.safetensors')
 * commit is all-or-nothing: a reader that finds a version's address finds all of its files, and the
 * model_versions row (the only thing workers look for) is inserted only after commit returns.
 */
import type { Manifest } from './manifest.js'

export interface StoredVersion extends Manifest {
  /** where the version lives: file:///…/<sha256>/ or s3://bucket/prefix/<sha256>/ */
  uri: string
}

export interface ArtifactStore {
  /** e.g. "local" | "s3" (for logs) */
  readonly kind: string
  /** A new empty local staging folder for one version. */
  stage(): Promise<string>
  /** Store the staged folder's files content-addressed; the staging folder is consumed. */
  commit(stagingDir: string): Promise<StoredVersion>
  /** One file of a stored version (by the uri commit returned). */
  read(uri: string, path: string): Promise<Uint8Array>
  /** Drop a staging folder left unused (a failed publish). */
  discard(stagingDir: string): Promise<void>
  /** Whether `uri` is a version in this store (retention leaves other locations alone). */
  owns(uri: string): boolean
  /** Delete a stored version (retention): its files `paths` and its manifest. Missing objects are no error. */
  remove(uri: string, paths: string[]): Promise<void>
}
