/**
 * LearnConfig: every knob of the learn loop (the update itself is the Trainer's TrainConfig). One typed object,
 * a comment per field; `resolveLearnConfig` fills defaults and checks (RangeError naming the field).
 */
import type { InferenceBucket } from '../generate/index.js'

export interface LearnConfig {
  /** who holds this learner's claims; stable across restarts of one learner (its own claims are released on start) */
  owner: string
  /** groups (prompts × G completions) per optimisation step */
  batchGroups: number
  /**
   * while fewer than batchGroups groups are ready, wait up to this long (polling every pollMs) for a full batch
   * before training on what is there; 0 = train at once on whatever is ready
   */
  batchWaitMs: number
  /** groups generated more than this many versions behind the newest are marked stale, not trained */
  maxStaleness: number
  /** claim lifetime; renewed every claimTtlMs / 3 while a batch is worked on */
  claimTtlMs: number
  /** publish a model version every this many steps */
  publishEvery: number
  /** write a resume checkpoint every this many steps (committed steps after it are replayed on resume) */
  checkpointEvery: number
  /**
   * retention: after each publish, delete the files of versions older than the newest this many — never version 0,
   * never one a live lease or an untrained group names (publish/retention.ts); ≥ maxStaleness + 1 recommended
   */
  keepVersions: number
  /**
   * flag a group when its reported log-probs differ from the recomputed ones by more than this on average
   * (nats, mean |Δ| over the group's completion tokens; service/consistency.ts). Smaller, honest differences
   * (bf16 or other kernels) are trained on with the sampler-mismatch IS correction instead.
   */
  logprobTolerance: number
  /** TRL mask_truncated_completions: completions that hit the length limit get no loss (always counted) */
  maskTruncated: boolean
  /** prepend the tokenizer's BOS to raw text prompts; published versions say so (config.json cohort_prompt_bos), so
   * every rollout worker prompts the same way */
  addBos: boolean
  /** inference graphs' bucket for published versions (rollout workers' batch, prompt and cache lengths) */
  inferenceBucket: InferenceBucket
  /** longest wait between polls of an empty queue (the first after data ran dry is 25 ms, doubling up to this) */
  pollMs: number
  /** stop after this many committed steps (undefined: run until stopped) */
  maxSteps?: number
  /** stop when the queue stays empty this long (undefined: keep waiting) */
  idleExitMs?: number
  /** no progress lines (logs only) */
  quiet: boolean
}

export const DEFAULT_LEARN_CONFIG: Omit<LearnConfig, 'owner'> = {
  batchGroups: 8,
  batchWaitMs: 5_000,
  maxStaleness: 4,
  claimTtlMs: 120_000,
  publishEvery: 5,
  checkpointEvery: 10,
  keepVersions: 20,
  logprobTolerance: 0.05,
  maskTruncated: false,
  addBos: false,
  inferenceBucket: { batch: 8, promptLength: 64, cacheLength: 128 },
  pollMs: 1000,
  quiet: false,
}

export function resolveLearnConfig(partial: Partial<LearnConfig> & { owner: string }): LearnConfig {
  const c: LearnConfig = { ...DEFAULT_LEARN_CONFIG, ...partial }
  const int = (k: keyof LearnConfig, min: number) => {
    const v = c[k]
    if (!(Number.isInteger(v) && (v as number) >= min)) throw new RangeError(`learn config: ${k} must be an integer ≥ ${min}, got ${String(v)}`)
  }
  if (!c.owner) throw new RangeError('learn config: owner must be a non-empty string')
  int('batchGroups', 1)
  int('batchWaitMs', 0)
  int('maxStaleness', 0)
  int('claimTtlMs', 1000)
  int('publishEvery', 1)
  int('checkpointEvery', 1)
  int('keepVersions', 1)
  int('pollMs', 1)
  if (c.maxSteps !== undefined) int('maxSteps', 0)
  if (c.idleExitMs !== undefined) int('idleExitMs', 0)
  if (!(c.logprobTolerance > 0)) throw new RangeError(`learn config: logprobTolerance must be > 0, got ${c.logprobTolerance}`)
  return c
}
