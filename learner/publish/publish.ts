/**
 * Publishing a policy version: assemble its files in a staging folder, commit them to the artifact store
 * (content-addressed), and only then insert the model_versions row — the moment workers can see it.
 *
 * A version's folder (what a rollout worker downloads):
 *   config.json  model.safetensors  tokenizer.json (HF tokenizers; absent for the built-in byte tokenizer,
 *   which config.json names)  onnx/{prefill,decode}/model.onnx + onnx/generation.json (learner/generate's
 *   inference graphs)  manifest.json (the store's)
 */
import { exportInferenceModel, type InferenceBucket } from '../generate/index.js'
import { saveCheckpoint, type Checkpoint } from '../io/index.js'
import type { Db } from '../../schema/pg.js'
import { publishVersion } from '../../schema/queries/index.js'
import type { ModelVersion } from '../../schema/schema.js'
import type { ArtifactStore } from './store.js'

/** Write a version's files into `dir`: the HF checkpoint folder plus the inference graphs for `bucket`. */
export async function writePolicyFiles(dir: string, ckpt: Checkpoint, bucket: InferenceBucket): Promise<void> {
  await saveCheckpoint(dir, ckpt)
  await exportInferenceModel(dir, ckpt, bucket)
}

export interface PublishOptions {
  step: number
  metrics?: Record<string, unknown>
  /** fill the staging folder (normally writePolicyFiles) */
  write(dir: string): Promise<void>
}

/** Stage → commit to the store → insert the row. A failure before the insert publishes nothing. */
export async function publish(db: Db, store: ArtifactStore, o: PublishOptions): Promise<ModelVersion> {
  const dir = await store.stage()
  let stored
  try {
    await o.write(dir)
    stored = await store.commit(dir)
  } catch (err) {
    await store.discard(dir)
    throw err
  }
  return publishVersion(db, {
    step: o.step,
    artifactUri: stored.uri,
    sha256: stored.sha256,
    files: stored.files,
    metrics: o.metrics,
  })
}
