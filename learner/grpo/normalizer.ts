/**
 * The loss normaliser N fed to the GRPO / SFT graphs (loss.ts) for one micro-batch, given every micro-batch of
 * the optimizer step. With it, summing the micro-batch losses and gradients gives exactly the loss of the whole
 * step's batch for grpo, dr_grpo and dapo (so accumulation over N micro-batches equals one big batch), and
 * TRL's per-micro-batch mean for bnpo (bnpo's token mean is taken per micro-batch by definition; that is what
 * distinguishes it from dapo).
 */
import type { LossType } from './options.js'

export interface MicroBatchShape {
  /** real rows (padding rows excluded) */
  rows: number
  /** Σ completion_mask */
  tokens: number
}

export function lossNormalizer(lossType: LossType | 'sft', micro: readonly MicroBatchShape[]): number {
  const rows = micro.reduce((s, x) => s + x.rows, 0)
  const tokens = micro.reduce((s, x) => s + x.tokens, 0)
  switch (lossType) {
    case 'grpo':
    case 'dr_grpo': return Math.max(rows, 1)
    case 'bnpo': return Math.max(micro.length, 1)
    case 'dapo':
    case 'cispo':
    case 'sft': return Math.max(tokens, 1)
  }
}
