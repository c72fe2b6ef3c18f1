/**
 * LoopOptions: every knob of the in-memory GRPO loop (learner/loop/loop.ts), one typed object, a comment per
 * field, checked once (RangeError naming the field). The update's own knobs (lr, β, ε, loss type …) are the
 * Trainer's TrainConfig; the sampling temperature must equal the Trainer's (one log-prob convention).
 */
import type { AdvantageScale } from '../../common/advantages.js'
import type { VerifierSpec } from '../../verifiers/index.js'
import type { TaskItem } from '../demo/arith.js'
import type { EvalResult } from '../demo/eval.js'
import type { Trainer } from '../trainer/index.js'
import type { LoopStepMetrics } from './metrics.js'
import type { OpenGenerator } from './policy.js'

export interface LoopOptions {
  /** the learner: live weights, AdamW state, TrainConfig (temperature, β, loss type …) */
  trainer: Trainer
  /** the version handover: opens a rollout Generator over a frozen snapshot of the trainer's weights */
  generator: OpenGenerator
  /** training prompts with their reference answers (cycled in a seeded shuffle) */
  prompts: readonly TaskItem[]
  /** held-out prompts, evaluated greedily (one answer each); empty = no evaluation */
  heldOut: readonly TaskItem[]
  /** reward: the verifier library's spec (e.g. { type: 'exact' }) */
  verifier: VerifierSpec
  /** G: completions sampled per prompt */
  groupSize: number
  /** prompts (groups) per step; a step's batch is promptsPerStep × groupSize rows */
  promptsPerStep: number
  /** GRPO steps (one trainer.step() each) */
  steps: number
  /** most tokens per completion (a completion that reaches it counts in completions/clipped_ratio) */
  maxNewTokens: number
  /** top-p / top-k of rollout sampling (undefined = off); log-probs are taken before truncation */
  topP?: number
  topK?: number
  /** hand the trainer's weights to the generator every k steps (1 = on-policy; k > 1 = up to k − 1 versions stale) */
  syncEvery: number
  /** evaluate the held-out split before the first step, every k steps and after the last (0 = first and last only) */
  evalEvery: number
  /** advantage scaling (common/advantages.ts): group | batch | none */
  scaleRewards: AdvantageScale
  /**
   * drop groups whose rewards are all equal before the update (their advantages are 0: they only add compute);
   * whole groups only, so no completion changes group. A step where every group is dropped makes no update.
   */
  skipZeroStd: boolean
  /** completions cut at maxNewTokens: trained as sampled ('train') or masked out of the loss ('mask') */
  truncated: 'train' | 'mask'
  /** seeds the prompt order and each step's sampling stream */
  seed: number
  /** called after each step with its metrics (the curve) */
  onStep?: (m: LoopStepMetrics) => void
  /** called after each held-out evaluation (step 0 = before any update) */
  onEval?: (step: number, r: EvalResult) => void
}

export type LoopInput = Pick<LoopOptions, 'trainer' | 'generator' | 'prompts' | 'verifier' | 'groupSize' | 'steps' | 'maxNewTokens'> & Partial<LoopOptions>

export const LOOP_DEFAULTS = {
  heldOut: [],
  promptsPerStep: 8,
  syncEvery: 1,
  evalEvery: 0,
  scaleRewards: 'group',
  skipZeroStd: true,
  truncated: 'train',
  seed: 1,
} as const satisfies Partial<LoopOptions>

/** Defaults filled in, every field checked. */
export function resolveLoopOptions(o: LoopInput): LoopOptions {
  const c: LoopOptions = { ...LOOP_DEFAULTS, ...o } as LoopOptions
  const int = (k: keyof LoopOptions, min: number) => {
    const v = c[k]
    if (!(Number.isInteger(v) && (v as number) >= min)) throw new RangeError(`loop: ${k} must be an integer ≥ ${min}, got ${String(v)}`)
  }
  int('groupSize', 2)
  int('promptsPerStep', 1)
  int('steps', 0)
  int('maxNewTokens', 1)
  int('syncEvery', 1)
  int('evalEvery', 0)
  if (!Number.isFinite(c.seed)) throw new RangeError(`loop: seed must be finite, got ${c.seed}`)
  if (c.prompts.length === 0) throw new RangeError('loop: prompts must not be empty')
  if (!['group', 'batch', 'none'].includes(c.scaleRewards)) throw new RangeError(`loop: scaleRewards must be group | batch | none, got ${String(c.scaleRewards)}`)
  if (c.truncated !== 'train' && c.truncated !== 'mask') throw new RangeError(`loop: truncated must be 'train' or 'mask', got ${String(c.truncated)}`)
  if (!c.trainer.tokenizer) throw new RangeError('loop: the trainer needs a tokenizer (prompts are text)')
  return c
}
