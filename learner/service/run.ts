/**
 * runLearner: a learner over an open database with the default stores under one data folder —
 * <dataDir>/artifacts (published versions; or the S3/R2 bucket named by COHORT_S3_*, see publish/env.ts) and
 * <dataDir>/checkpoints (resume state) —
 * running until maxSteps, the idle timeout or `signal`. What `cohort learn` and the in-process demo call.
 */
import { join } from 'node:path'
import { artifactStoreFromEnv, CheckpointStore, type ArtifactStore } from '../publish/index.js'
import type { LoraConfig } from '../lora/index.js'
import type { TrainConfig } from '../trainer/index.js'
import type { Db } from '../../schema/pg.js'
import { baseModel } from './base.js'
import { resolveLearnConfig, type LearnConfig } from './config.js'
import { Learner, type LearnSummary, type Phase } from './learner.js'
import type { Progress } from './metrics.js'

export interface RunLearnerOptions {
  db: Db
  /** artifacts/ and checkpoints/ live here unless given */
  dataDir: string
  store?: ArtifactStore
  checkpointsDir?: string
  /** base model folder (HF); default: the built-in tiny byte-level model seeded with `seed` */
  modelDir?: string
  seed?: number
  learn: Partial<LearnConfig> & { owner: string }
  train: Partial<TrainConfig>
  /** LoRA adapters instead of full fine-tuning */
  lora?: LoraConfig
  signal?: AbortSignal
  progress?: Progress
  onPhase?: (p: Phase) => void | Promise<void>
  /** called once the learner is restored, before the first iteration */
  onReady?: (l: Learner) => void
}

export async function runLearner(o: RunLearnerOptions): Promise<LearnSummary> {
  const learner = await Learner.open(
    {
      db: o.db,
      store: o.store ?? artifactStoreFromEnv(join(o.dataDir, 'artifacts')),
      checkpoints: new CheckpointStore(o.checkpointsDir ?? join(o.dataDir, 'checkpoints')),
      base: () => baseModel({ modelDir: o.modelDir, seed: o.seed }),
      train: o.train,
      lora: o.lora,
      progress: o.progress,
      onPhase: o.onPhase,
    },
    resolveLearnConfig(o.learn),
  )
  try {
    o.onReady?.(learner)
    return await learner.run(o.signal)
  } finally {
    await learner.close()
  }
}
