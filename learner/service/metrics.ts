/**
 * One step's metrics under TRL's GRPOTrainer names (stored in train_steps.metrics), and the live progress line.
 *   reward, reward_std (mean per-group std), frac_reward_zero_std, kl (only when a reference model is scored: β > 0), entropy, clip_ratio/low_mean,
 *   clip_ratio/high_mean, clip_ratio/region_mean, grad_norm, loss, learning_rate, num_tokens,
 *   completions/mean_length, completions/min_length, completions/max_length, completions/clipped_ratio,
 *   tokens_per_second, policy_version_lag (mean versions between a group's generator and the step's policy),
 *   sampling/sampling_logp_difference/{mean,max}, sampling/importance_sampling_ratio/{min,mean,max},
 *   sampling/mismatch_kl, sampling/masked_fraction (when workers reported log-probs),
 *   plus Cohort's own: groups, flagged, stale, step_time_s, data_wait_s (time waiting for data since the previous step),
 *   max_staleness (the bound the edge's backpressure reads).
 */
import type { StepMetrics } from '../trainer/index.js'
import type { PreparedGroup } from './batch.js'

export interface StepContext {
  groups: readonly PreparedGroup[]
  trainer: StepMetrics
  fracZeroStd: number
  rewardStdMean: number
  /** the newest published version when the step ran */
  version: number
  flagged: number
  stale: number
  /** wall time of the whole iteration (claim → commit) */
  seconds: number
  /** the learner's staleness bound in versions (recorded so the edge can size its backpressure) */
  maxStaleness: number
  /** seconds spent waiting for data since the previous step (nothing ready, or less than a batch within batchWaitMs) */
  dataWaitS?: number
}

export function stepMetrics(c: StepContext): Record<string, number> {
  const rows = c.groups.flatMap((g) => g.rows)
  const lengths = rows.map((r) => r.inputIds.length - r.promptLength)
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  const t = c.trainer
  return {
    reward: mean(rows.map((r) => r.reward)),
    reward_std: c.rewardStdMean,
    frac_reward_zero_std: c.fracZeroStd,
    ...(t.kl !== undefined && { kl: t.kl }),
    entropy: t.entropy,
    'clip_ratio/low_mean': t['clip_ratio/low_mean'],
    'clip_ratio/high_mean': t['clip_ratio/high_mean'],
    'clip_ratio/region_mean': t['clip_ratio/region_mean'],
    grad_norm: t.grad_norm,
    loss: t.loss,
    learning_rate: t.learning_rate,
    num_tokens: t.num_tokens,
    'completions/mean_length': mean(lengths),
    'completions/min_length': lengths.length ? Math.min(...lengths) : 0,
    'completions/max_length': lengths.length ? Math.max(...lengths) : 0,
    'completions/clipped_ratio': mean(rows.map((r) => (r.truncated ? 1 : 0))),
    tokens_per_second: c.seconds > 0 ? t.num_tokens / c.seconds : 0,
    policy_version_lag: mean(c.groups.map((g) => c.version - g.group.policyVersion)),
    groups: c.groups.length,
    flagged: c.flagged,
    stale: c.stale,
    step_time_s: c.seconds,
    data_wait_s: c.dataWaitS ?? 0,
    // the sampler-mismatch correction (when workers reported log-probs), TRL names
    ...Object.fromEntries(Object.entries(t).filter(([k, v]) => k.startsWith('sampling/') && typeof v === 'number')),
    max_staleness: c.maxStaleness,
  }
}

/** `step 12 · reward 0.412 · kl 0.0031 · 850 tok/s · queue 37 · v3`; `kl off` when no KL was computed (β = 0) */
export function progressLine(step: number, m: Record<string, number>, queue: number, version: number): string {
  const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : String(x))
  const kl = m.kl === undefined ? 'off' : f(m.kl, 4)
  return `step ${step} · reward ${f(m.reward, 3)} · kl ${kl} · ${f(m.tokens_per_second, 0)} tok/s · queue ${queue} · v${version}`
}

/** Where progress goes: a rewriting line on a TTY, one line per step otherwise, nothing when quiet. */
export interface Progress {
  step(line: string): void
  log(line: string): void
}

export function progressTo(stream: NodeJS.WriteStream, quiet: boolean): Progress {
  const tty = !!stream.isTTY
  let open = false
  return {
    step(line) {
      if (quiet) return
      if (tty) {
        stream.write(`\r\x1b[2K${line}`)
        open = true
      } else stream.write(`${line}\n`)
    },
    log(line) {
      if (open) stream.write('\n')
      open = false
      stream.write(`${line}\n`)
    },
  }
}
