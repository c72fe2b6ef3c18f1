/**
 * Check a published version against its row: every listed file's bytes hash to the recorded sha256, the
 * manifest hash recomputes from the file table, and the stored manifest.json agrees. Workers do this before
 * loading a version; the crash test does it for every version.
 */
import type { ModelVersion } from '../../schema/schema.js'
import { fileEntry, manifestOf, MANIFEST_FILE, type FileTable } from './manifest.js'
import type { ArtifactStore } from './store.js'

export interface VerifyResult {
  ok: boolean
  /** what is wrong, one line each */
  problems: string[]
}

export async function verifyVersion(
  store: ArtifactStore,
  row: Pick<ModelVersion, 'version' | 'artifactUri' | 'sha256' | 'files'>,
): Promise<VerifyResult> {
  const problems: string[] = []
  const files = row.files as FileTable
  if (manifestOf(files).sha256 !== row.sha256) problems.push(`manifest hash of the row's file table ≠ ${row.sha256}`)
  for (const [path, want] of Object.entries(files)) {
    const got = await store.read(row.artifactUri, path).then(fileEntry, (e: Error) => e)
    if (got instanceof Error) problems.push(`${path}: unreadable (${got.message})`)
    else if (got.sha256 !== want.sha256 || got.bytes !== want.bytes)
      problems.push(`${path}: sha256 ${got.sha256} (${got.bytes} B), row says ${want.sha256} (${want.bytes} B)`)
  }
  const stored = await store.read(row.artifactUri, MANIFEST_FILE).then(
    (b) => JSON.parse(new TextDecoder().decode(b)) as { sha256?: string },
    (e: Error) => e,
  )
  if (stored instanceof Error) problems.push(`${MANIFEST_FILE}: unreadable (${stored.message})`)
  else if (stored.sha256 !== row.sha256) problems.push(`${MANIFEST_FILE} names ${stored.sha256}, row says ${row.sha256}`)
  return { ok: problems.length === 0, problems }
}
