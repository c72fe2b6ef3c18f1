/**
 * A claimed batch as the wire shows it: each group with its prompt, completions and GRPO advantages
 * (common/advantages.ts, the learner's definition; scale "batch" normalises over this batch's groups of such tasks).
 */
import { batchAdvantages, type AdvantageScale } from '../../../common/advantages.js'
import type { Batch, BatchGroup } from '../../../schema/index.js'
import type { BatchGroupView, BatchView } from './schemas.js'

/** advantages[g][i] for the groups in order, each normalised by its task's scale. */
export function advantagesFor(groups: BatchGroup[]): number[][] {
  const out: number[][] = new Array(groups.length)
  for (const scale of ['group', 'batch', 'none'] as AdvantageScale[]) {
    const idx = groups.flatMap((g, i) => (g.task.scaleRewards === scale ? [i] : []))
    if (idx.length === 0) continue
    const { advantages } = batchAdvantages(
      idx.map((i) => groups[i].completions.map((c) => c.reward ?? 0)),
      scale,
    )
    idx.forEach((i, k) => (out[i] = advantages[k]))
  }
  return out
}

export function groupViews(groups: BatchGroup[]): BatchGroupView[] {
  const adv = advantagesFor(groups)
  return groups.map((g, gi) => ({
    id: g.id,
    task: { name: g.task.name, temperature: g.task.temperature, maxNewTokens: g.task.maxNewTokens, scaleRewards: g.task.scaleRewards },
    prompt: { id: g.promptId, text: g.promptText },
    policyVersion: g.policyVersion,
    completions: g.completions.map((c, i) => ({
      index: c.index,
      text: c.text ?? '',
      tokenIds: c.tokenIds,
      logprobs: c.logprobs,
      finishReason: c.finishReason,
      reward: c.reward ?? 0,
      advantage: adv[gi][i],
    })),
  }))
}

export function batchView(b: Batch, o: { expiresAt?: Date | null; staleMarked?: number; groups?: BatchGroup[] } = {}): BatchView {
  return {
    id: b.id,
    status: b.status,
    policyVersion: b.policyVersion,
    expiresAt: b.status === 'open' && o.expiresAt ? o.expiresAt.toISOString() : null,
    step: b.step,
    groupIds: b.groupIds,
    ...(o.staleMarked !== undefined ? { staleMarked: o.staleMarked } : {}),
    ...(o.groups ? { groups: groupViews(o.groups) } : {}),
  }
}
