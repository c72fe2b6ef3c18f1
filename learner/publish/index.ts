/**
 * learner/publish — model versions and resume checkpoints on disk (or in an S3-compatible store).
 *   const store = new LocalArtifactStore('.cohort/artifacts')
 *   const v = await publish(db, store, { step, write: (dir) => writePolicyFiles(dir, ckpt, bucket) })
 *   await verifyVersion(store, v)                     // { ok, problems }: every file matches its sha256
 *   await fetchVersion(store, v, dir)                 // download + check every file (rollout workers)
 *   const ckpts = new CheckpointStore('.cohort/checkpoints'); await ckpts.save(step, (dir) => trainer.save(dir)); await ckpts.latest()
 */
export { type ArtifactStore, type StoredVersion } from './store.js'
export { LocalArtifactStore, fsyncPath, writeFileDurable, listFiles } from './local.js'
export { manifestOf, canonicalManifest, fileEntry, sha256Hex, MANIFEST_FILE, type Manifest, type FileTable, type FileEntry } from './manifest.js'
export { publish, writePolicyFiles, type PublishOptions } from './publish.js'
export { verifyVersion, type VerifyResult } from './verify.js'
export { CheckpointStore, type SavedCheckpoint } from './checkpoints.js'
export { fetchVersion } from './fetch.js'
export { pruneVersions } from './retention.js'
export { S3ArtifactStore, S3Error, type S3Options } from './s3.js'
export { signRequest, type Credentials } from '../../common/artifacts/index.js'
export { artifactStoreFromEnv } from './env.js'
