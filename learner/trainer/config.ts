/**
 * TrainConfig: every knob of the learner's update, one typed object (TRL GRPOConfig names in comments).
 */
import { checkGrpoOptions, checkSamplingCorrection, type GrpoLossOptions, type SamplingCorrectionMode } from '../grpo/index.js'
import { checkSchedule, type LrSchedule } from '../optim/index.js'
import { resolveEp, type ExecutionProvider } from '../runtime/index.js'

/** The update's knobs; the GRPO loss options (loss_type, beta, epsilon, epsilon_high, delta,
 * max_completion_length, importance_sampling_level, off_policy_mask_threshold) are GrpoLossOptions', documented
 * there; the host-side token weights in learner/grpo/correction.ts. */
export interface TrainConfig extends GrpoLossOptions {
  /**
   * top_entropy_quantile: train the policy term only on completion tokens whose entropy (current policy) is in
   * this top fraction of the update's completion tokens; 1 = all (default)
   */
  topEntropyQuantile: number
  /**
   * vllm_importance_sampling_correction: when a batch carries samplingLogprobs (the sampler's own), weight the
   * policy term by the truncated / masked IS ratio π_old / π_sampler (default true)
   */
  vllmImportanceSamplingCorrection: boolean
  /** vllm_importance_sampling_mode: token_truncate | token_mask | sequence_truncate | sequence_mask (default) */
  vllmImportanceSamplingMode: SamplingCorrectionMode
  /** vllm_importance_sampling_cap C (default 3) */
  vllmImportanceSamplingCap: number
  /** learning_rate: peak learning rate of the schedule */
  lr: number
  /** lr_scheduler_type: 'constant' or 'cosine' (after warmup) */
  schedule: 'constant' | 'cosine'
  /** warmup_steps: optimizer updates of linear warmup from lr/warmup to lr */
  warmupSteps: number
  /** cosine only: the update at which the rate reaches lr · minLrRatio */
  totalSteps?: number
  /**
   * cosine only, instead of totalSteps: the wall-clock seconds of training (counted from the first update, kept
   * across save/load) at which the rate reaches lr · minLrRatio — for a run limited by time, so a busy machine
   * (fewer updates) decays as fully as an idle one
   */
  totalSeconds?: number
  /** cosine only: floor of the schedule as a fraction of lr (default 0) */
  minLrRatio?: number
  /** weight_decay: decoupled (AdamW), on matrices only — never on norms or biases */
  weightDecay: number
  /** adam_beta1 */
  beta1: number
  /** adam_beta2 */
  beta2: number
  /** adam_epsilon */
  adamEps: number
  /** max_grad_norm: global L2 clipping of the accumulated gradient; 0 = off */
  maxGradNorm: number
  /** per_device_train_batch_size: rows per forward/backward pass (a micro-batch) */
  microBatchSize: number
  /**
   * gradient_accumulation_steps: micro-batches per optimizer update. undefined = the whole batch given to
   * step() is one update; otherwise step() makes ceil(rows / (microBatchSize · this)) updates per iteration.
   */
  gradientAccumulationSteps?: number
  /** num_iterations (μ): passes over each batch; old log-probs are those before the first pass */
  numIterations: number
  /** temperature: the sampling temperature, the log-probs' (learner/sample convention) */
  temperature: number
  /** shape buckets: a micro-batch is padded to the smallest rows ≥ its rows and seq ≥ its longest row */
  buckets: { rows: number[]; seq: number[] }
  /**
   * positions before a micro-batch's first completion token skip the LM head, rounded down to a multiple of
   * min(this, T/4) (coarse, so few graph variants per bucket are built)
   */
  scoreQuantum: number
  /** report the entropy metric (one more pass over [B,T,V] per micro-batch) */
  entropy: boolean
  /**
   * optimizer implementation: 'js' = fused JS AdamW on host Float32Arrays (the CPU default); 'graph' = the
   * AdamW graph, whose updated parameters and moments stay on the device (gpu-buffer) between steps (the
   * default on cuda / webgpu). Both apply the same update.
   */
  optimizer?: 'js' | 'graph'
  /** execution provider: cpu (default) | cuda | webgpu (env COHORT_EP) */
  ep: ExecutionProvider
  /** intra-op threads (0 = one per core) */
  threads: number
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  lr: 1e-5,
  schedule: 'constant',
  warmupSteps: 0,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  adamEps: 1e-8,
  maxGradNorm: 1,
  microBatchSize: 8,
  numIterations: 1,
  lossType: 'dapo',
  beta: 0,
  epsilon: 0.2,
  topEntropyQuantile: 1,
  vllmImportanceSamplingCorrection: true,
  vllmImportanceSamplingMode: 'sequence_mask',
  vllmImportanceSamplingCap: 3,
  temperature: 1,
  buckets: { rows: [1, 2, 4, 8, 16, 32, 64], seq: [16, 32, 64, 128, 256, 512, 1024, 2048, 4096] },
  scoreQuantum: 64,
  entropy: true,
  ep: 'cpu',
  threads: 0,
}

/** Defaults filled in, every field checked (RangeError naming the field). */
export function resolveTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  const ep = resolveEp(partial.ep)
  const c: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...partial, ep, optimizer: partial.optimizer ?? (ep === 'cpu' ? 'js' : 'graph') }
  if (c.optimizer !== 'js' && c.optimizer !== 'graph') throw new RangeError(`train config: optimizer must be 'js' or 'graph', got ${String(c.optimizer)}`)
  const posInt = (k: keyof TrainConfig, v: unknown) => {
    if (!(Number.isInteger(v) && (v as number) > 0)) throw new RangeError(`train config: ${k} must be a positive integer, got ${String(v)}`)
  }
  posInt('microBatchSize', c.microBatchSize)
  posInt('numIterations', c.numIterations)
  posInt('scoreQuantum', c.scoreQuantum)
  if (c.gradientAccumulationSteps !== undefined) posInt('gradientAccumulationSteps', c.gradientAccumulationSteps)
  if (!(c.temperature > 0 && Number.isFinite(c.temperature))) throw new RangeError(`train config: temperature must be > 0, got ${c.temperature}`)
  if (!(c.maxGradNorm >= 0)) throw new RangeError(`train config: maxGradNorm must be ≥ 0, got ${c.maxGradNorm}`)
  if (!(Number.isInteger(c.threads) && c.threads >= 0)) throw new RangeError(`train config: threads must be an integer ≥ 0`)
  for (const k of ['rows', 'seq'] as const) {
    const b = c.buckets[k]
    if (!Array.isArray(b) || b.length === 0 || !b.every((x) => Number.isInteger(x) && x > 0)) throw new RangeError(`train config: buckets.${k} must be positive integers`)
    c.buckets = { ...c.buckets, [k]: [...b].sort((x, y) => x - y) }
  }
  if (!(c.topEntropyQuantile > 0 && c.topEntropyQuantile <= 1)) throw new RangeError(`train config: topEntropyQuantile must be in (0, 1], got ${c.topEntropyQuantile}`)
  if (typeof c.vllmImportanceSamplingCorrection !== 'boolean') throw new RangeError('train config: vllmImportanceSamplingCorrection must be a boolean')
  checkSamplingCorrection({ mode: c.vllmImportanceSamplingMode, cap: c.vllmImportanceSamplingCap })
  checkSchedule(schedule(c))
  checkGrpoOptions(c)
  return c
}

export function schedule(c: TrainConfig): LrSchedule {
  return { kind: c.schedule, lr: c.lr, warmupSteps: c.warmupSteps, totalSteps: c.totalSteps, totalSeconds: c.totalSeconds, minLrRatio: c.minLrRatio }
}
