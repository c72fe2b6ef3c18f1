/**
 * Per-step metrics of the in-memory GRPO loop (TRL's names where TRL has one) and the one-line progress form.
 */
import type { EvalResult } from '../demo/eval.js'

export interface LoopStepMetrics {
  /** 0 = before any update (only the evaluation is set); then 1 … steps */
  step: number
  /** trainer updates applied when the step's completions were sampled (the generator's version) */
  policy_version: number
  /** versions between the generator's weights and the weights the step updated */
  policy_version_lag: number
  /** mean reward of the step's completions (training prompts, sampled at the loop's temperature) */
  reward: number
  reward_std: number
  frac_reward_zero_std: number
  /** fraction of the step's completions with full reward */
  solved: number
  'completions/mean_length': number
  'completions/clipped_ratio': number
  /** from trainer.step (NaN when no group carried signal and no update was made) */
  loss: number
  kl: number
  entropy: number
  'clip_ratio/region_mean': number
  grad_norm: number
  /** groups trained on (after skipZeroStd) */
  groups_trained: number
  /** held-out greedy evaluation after this step's update (absent on steps without one) */
  eval?: { accuracy: number; meanReward: number; n: number }
  /** wall seconds per phase, and throughput */
  seconds: { sync: number; generate: number; verify: number; train: number; eval: number; total: number }
  /** sampled tokens per second of generation */
  generate_tokens_per_second: number
  /** trained completion tokens per second of trainer.step */
  train_tokens_per_second: number
}

export const evalSummary = (r: EvalResult): NonNullable<LoopStepMetrics['eval']> => ({ accuracy: r.accuracy, meanReward: r.meanReward, n: r.n })

/** `step 12 · reward 0.41 · solved 38% · kl 0.0031 · held-out 62.5% · gen 900 tok/s · train 700 tok/s` */
export function loopLine(m: LoopStepMetrics): string {
  const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '–')
  const acc = m.eval ? ` · held-out ${(100 * m.eval.accuracy).toFixed(1)}%` : ''
  if (m.step === 0) return `step 0 (before GRPO)${acc}`
  return (
    `step ${m.step} · reward ${f(m.reward, 3)} · solved ${(100 * m.solved).toFixed(0)}% · kl ${f(m.kl, 4)} · ` +
    `zero-std ${(100 * m.frac_reward_zero_std).toFixed(0)}%${acc} · gen ${f(m.generate_tokens_per_second, 0)} tok/s · train ${f(m.train_tokens_per_second, 0)} tok/s`
  )
}
