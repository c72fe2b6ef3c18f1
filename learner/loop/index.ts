/**
 * learner/loop — online GRPO in memory (no database, no edge): generate → verify → advantages → update, with a
 * version handover from the trainer's weights to the rollout generator every syncEvery steps. The proof that
 * the core learns (test/learner/loop, bench/learning-curve.ts); the service (learner/service) runs the same
 * algorithm over the Postgres queue.
 *   const open = onnxGenerator({ config, tokenizer }, { batch: 64, promptLength: 24, cacheLength: 29 })
 *   const { before, after, steps } = await grpoLoop({ trainer, generator: open, prompts, heldOut,
 *     verifier: { type: 'exact' }, groupSize: 8, promptsPerStep: 8, steps: 40, maxNewTokens: 6, onStep })
 */
export { grpoLoop, type LoopResult } from './loop.js'
export { resolveLoopOptions, LOOP_DEFAULTS, type LoopOptions, type LoopInput } from './options.js'
export { onnxGenerator, snapshot, Snapshots, type OpenGenerator } from './policy.js'
export { grpoBatch, scoreGroups, rolloutStats, type ScoredGroup, type RolloutStats } from './rollout.js'
export { loopLine, type LoopStepMetrics } from './metrics.js'
export { sftThenGrpo, LEARNING_TEST, LEARNING_BENCH, LEARNING_LORA_TEST, type LearningConfig, type LearningHooks, type LearningResult } from './proof.js'
