/**
 * learner/grpo — the GRPO objective (TRL 1.9 loss types grpo / bnpo / dr_grpo / dapo / cispo, token or sequence
 * (GSPO) importance sampling, β·k3 KL, clip-higher, δ cap, off-policy sequence mask) and the SFT cross-entropy,
 * as graph code and as per-bucket training graphs with every parameter's gradient; host-side token weights
 * (sampler-mismatch IS correction, top-entropy mask) in correction.ts.
 *   buildGrpoGraph(cfg, B, T, { lossType, beta, epsilon, epsilonHigh?, delta?, maxCompletionLength?,
 *                               importanceSamplingLevel?, offPolicyMaskThreshold?, samplingLogprobs?,
 *                               tokenWeights?, oldFromCurrent?, from?, float? })     // names: graphs.ts header
 *   samplerWeights(old, sampling, mask, { mode, cap }); highEntropyMask(entropy, mask, q)
 *   buildSftGraph(cfg, B, T, { from?, float? })
 *   lossNormalizer(lossType, microBatches)                            // the loss_normalizer feed
 */
export { buildGrpoGraph, buildSftGraph, type GrpoGraphOptions, type TrainGraphOptions } from './graphs.js'
export { grpoLoss, sftLoss, maskedMean, type GrpoLossInputs, type GrpoLossOutputs } from './loss.js'
export { lossNormalizer, type MicroBatchShape } from './normalizer.js'
export { checkGrpoOptions, CISPO_EPSILON_HIGH, IMPORTANCE_SAMPLING_LEVELS, LOSS_TYPES, type CheckedGrpoOptions, type ImportanceSamplingLevel, type LossType, type GrpoLossOptions } from './options.js'
export { highEntropyMask, quantile, samplerWeights, checkSamplingCorrection, SAMPLING_CORRECTION_MODES, type SamplingCorrection, type SamplingCorrectionMode, type SamplingMetrics } from './correction.js'
