/**
 * The artifact store named by the environment: an S3-compatible bucket when COHORT_S3_BUCKET is set
 * (COHORT_S3_ENDPOINT, COHORT_S3_REGION (default us-east-1; "auto" for R2), COHORT_S3_PREFIX,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), else a LocalArtifactStore at `localDir`.
 */
import { LocalArtifactStore } from './local.js'
import { S3ArtifactStore } from './s3.js'
import type { ArtifactStore } from './store.js'

export function artifactStoreFromEnv(localDir: string, env: NodeJS.ProcessEnv = process.env): ArtifactStore {
  if (!env.COHORT_S3_BUCKET) return new LocalArtifactStore(localDir)
  const need = (k: string) => {
    const v = env[k]
    if (!v) throw new Error(`COHORT_S3_BUCKET is set: ${k} is required too`)
    return v
  }
  return new S3ArtifactStore({
    endpoint: need('COHORT_S3_ENDPOINT'),
    bucket: env.COHORT_S3_BUCKET,
    region: env.COHORT_S3_REGION || undefined,
    prefix: env.COHORT_S3_PREFIX || undefined,
    accessKeyId: need('AWS_ACCESS_KEY_ID'),
    secretAccessKey: need('AWS_SECRET_ACCESS_KEY'),
  })
}
