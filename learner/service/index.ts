/**
 * learner/service — the learn loop that closes Cohort's circle (`cohort learn`).
 *   const learner = await Learner.open({ db, store, checkpoints, base: () => baseModel({ modelDir }), train }, cfg)
 *   await learner.run(signal)        // claim → stale filter → old log-probs + honesty check → ref → advantages
 *                                    // → GRPO step → commit → publish every N → checkpoint every K
 * Resumes by itself (newest checkpoint + replay of committed steps); queue semantics: schema/queries/learner.ts.
 */
export { Learner, pollWait, type LearnerDeps, type LearnSummary, type IterationResult, type Phase } from './learner.js'
export { runLearner, type RunLearnerOptions } from './run.js'
export { resolveLearnConfig, DEFAULT_LEARN_CONFIG, type LearnConfig } from './config.js'
export { baseModel, tinyModel, TINY_CONFIG } from './base.js'
export { prepareGroup, advantagesOf, type Row, type PreparedGroup, type Rejection } from './batch.js'
export { groupDisagreement, samplingLogprobs, type Disagreement } from './consistency.js'
export { stepMetrics, progressLine, progressTo, type Progress } from './metrics.js'
export { VersionWeights } from './weights.js'
