/**
 * Download a published version into a local folder, checking every file against the row's sha256 (what a
 * rollout worker or a learner restoring the base model does before trusting the files).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ModelVersion } from '../../schema/schema.js'
import { checkArtifactPath, sha256Hex, type FileTable } from './manifest.js'
import type { ArtifactStore } from './store.js'

export async function fetchVersion(
  store: ArtifactStore,
  row: Pick<ModelVersion, 'version' | 'artifactUri' | 'files'>,
  dir: string,
): Promise<void> {
  for (const [path, want] of Object.entries(row.files as FileTable)) {
    checkArtifactPath(path)
    const bytes = await store.read(row.artifactUri, path)
    if (sha256Hex(bytes) !== want.sha256) throw new Error(`version ${row.version}: ${path} does not match its sha256`)
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), bytes)
  }
}
