/**
 * learner/trainer — the step driver.
 *   const t = new Trainer(modelConfig, params, { lr: 1e-5, lossType: 'dapo', microBatchSize: 8, … })
 *   const m = await t.step({ inputIds, completionMask, advantages, oldLogprobs?, refLogprobs? })  // TRL metrics
 *   await t.sftStep({ inputIds, completionMask })
 *   const { logprobs, entropy } = await t.logprobs({ inputIds }, { reference?, weights?, temperature? })
 *   await t.save(dir); await t.load(dir); const t2 = await Trainer.fromCheckpoint(dir)
 * TrainConfig (config.ts) documents every field; batch.ts the batch contract.
 */
export { Trainer, type StepMetrics, type SftMetrics, type TrainerOptions, type LogprobOptions } from './trainer.js'
export { DEFAULT_TRAIN_CONFIG, resolveTrainConfig, schedule, type TrainConfig } from './config.js'
export { checkBatch, microBatches, pack, type GrpoBatch, type SftBatch, type Packed } from './batch.js'
export { paramFeeds, idsTensor, rowsTensor, scalarTensor, floats } from './feeds.js'
