/**
 * learner/grpo — the GRPO objective (TRL loss types grpo / bnpo / dr_grpo / dapo, β·k3 KL, clip-higher, δ cap)
 * and the SFT cross-entropy, as graph code and as per-bucket training graphs with every parameter's gradient.
 *   buildGrpoGraph(cfg, B, T, { lossType, beta, epsilon, epsilonHigh?, delta?, maxCompletionLength?,
 *                               oldFromCurrent?, from?, float? })     // names: graphs.ts header
 *   buildSftGraph(cfg, B, T, { from?, float? })
 *   lossNormalizer(lossType, microBatches)                            // the loss_normalizer feed
 */
export { buildGrpoGraph, buildSftGraph, type GrpoGraphOptions, type TrainGraphOptions } from './graphs.js'
export { grpoLoss, sftLoss, maskedMean, type GrpoLossInputs, type GrpoLossOutputs } from './loss.js'
export { lossNormalizer, type MicroBatchShape } from './normalizer.js'
export { checkGrpoOptions, LOSS_TYPES, type LossType, type GrpoLossOptions } from './options.js'
