/**
 * learner/rollout — the rollout worker (`cohort rollout`): an HTTP client of the edge that leases prompts,
 * follows the newest published model (downloaded and sha256-verified), generates groups with a Generator and
 * submits them.
 *   const edge = new EdgeClient({ baseUrl, key })
 *   const w = new RolloutWorker({ edge, task: 'arith', concurrency: 2, openGenerator })
 *   process.once('SIGTERM', () => w.stop()); const stats = await w.run()
 */
export { RolloutWorker, type RolloutOptions, type RolloutStats, type SubmittedGroup } from './worker.js'
export { EdgeClient, EdgeError, submittableText, type EdgeClientOptions, type Lease, type ModelInfo, type GroupResult, type SubmitCompletion } from './client.js'
export { PolicyCache, type OpenGenerator, type Policy } from './policy.js'
export { EnginePolicies, promptTokenization, PROMPT_FILES, type EngineOptions, type EngineReload, type PromptTokenization } from './engine.js'
export { fetchModelFiles, modelFileReader, pruneModelCache, ArtifactError, type ModelFileReader } from './artifacts.js'
export { withRetry, backoffDelay, sleep, RetryableError, AbortedError, type BackoffOptions } from './backoff.js'
export { openOnnxGenerator } from './onnx.js'
