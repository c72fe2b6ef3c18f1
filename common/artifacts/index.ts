/**
 * common/artifacts — published model files by their version's artifact URI, for the edge (which streams them to
 * workers) and the learner (which writes them). Workers-safe: everything here but local.ts (Node's file system).
 *   const read = artifactReader({ s3: s3Reader(s3OptionsFromEnv(env)!), http: httpReader })
 *   const obj = await read('s3://models/cohort/versions/<sha256>/', 'config.json')   // { body, bytes } | null
 */
export { artifactReader, ArtifactUnreachable, httpReader, type ArtifactObject, type ArtifactReader, type ArtifactScheme } from './source.js'
export { r2Reader, type R2BucketLike } from './r2.js'
export { parseS3Uri, s3OptionsFromEnv, s3Reader, s3Request, S3Error, type S3Options } from './s3.js'
export { signRequest, uriEncode, type Credentials } from './sigv4.js'
