/**
 * The artifact store named by the environment: an S3-compatible bucket when COHORT_S3_BUCKET is set
 * (common/artifacts/s3.ts s3OptionsFromEnv: COHORT_S3_ENDPOINT, COHORT_S3_REGION, COHORT_S3_PREFIX,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), else a LocalArtifactStore at `localDir`.
 */
import { s3OptionsFromEnv } from '../../common/artifacts/index.js'
import { LocalArtifactStore } from './local.js'
import { S3ArtifactStore } from './s3.js'
import type { ArtifactStore } from './store.js'

export function artifactStoreFromEnv(localDir: string, env: NodeJS.ProcessEnv = process.env): ArtifactStore {
  const s3 = s3OptionsFromEnv(env)
  return s3 ? new S3ArtifactStore(s3) : new LocalArtifactStore(localDir)
}
