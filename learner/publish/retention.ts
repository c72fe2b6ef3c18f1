/**
 * Retention: keep the newest `keep` versions' files and delete older ones from the artifact store — never version 0
 * (the base model), never a version a live lease or an untrained group still names (schema/queries
 * prunableVersions). The row is marked pruned first, then the files go, so a crash in between leaks files but never
 * leaves a row that promises files the store lost; a version whose content another kept version shares is only
 * marked, and one stored elsewhere (registered by another trainer) is left alone. The edge answers 410 for a
 * pruned version's files.
 */
import type { Db } from '../../schema/pg.js'
import { artifactsShared, markVersionPruned, prunableVersions } from '../../schema/queries/index.js'
import type { ArtifactStore } from './store.js'

/** Prune; returns the versions pruned. */
export async function pruneVersions(db: Db, store: ArtifactStore, keep: number): Promise<number[]> {
  if (!(Number.isInteger(keep) && keep >= 1)) throw new RangeError(`keepVersions must be an integer ≥ 1, got ${keep}`)
  const pruned: number[] = []
  for (const v of await prunableVersions(db, keep)) {
    if (!store.owns(v.artifactUri)) continue
    await markVersionPruned(db, v.version)
    if (!(await artifactsShared(db, v.artifactUri, v.version))) await store.remove(v.artifactUri, Object.keys(v.files as object))
    pruned.push(v.version)
  }
  return pruned
}
