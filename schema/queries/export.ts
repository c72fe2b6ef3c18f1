/**
 * Reading stored groups out for datasets (`cohort export`): pages of groups of one task in id order (keyset
 * pagination, so an export streams through any number of groups with bounded memory), with their prompt and
 * completions.
 */
import { and, asc, count, eq, gt, gte, inArray } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { completions, groups, prompts, tasks, type Completion, type Group, type Task } from '../schema.js'

export interface ExportFilter {
  taskId: number
  statuses: Group['status'][]
  /** only groups stored at or after this time */
  since?: Date
}

export interface ExportGroup {
  id: number
  source: Group['source']
  policyVersion: number
  status: Group['status']
  trainedStep: number | null
  rewardMean: number | null
  rewardStd: number | null
  createdAt: Date
  promptId: number | null
  /** null for Atropos groups (the prompt is inside their token sequences) */
  promptText: string | null
  task: Pick<Task, 'name' | 'scaleRewards'>
  completions: Pick<Completion, 'index' | 'text' | 'tokenIds' | 'logprobs' | 'masks' | 'finishReason' | 'reward'>[]
}

const where = (f: ExportFilter) =>
  and(eq(groups.taskId, f.taskId), inArray(groups.status, f.statuses), f.since ? gte(groups.createdAt, f.since) : undefined)

/** How many groups an export will write. */
export async function countExportGroups(db: Db, f: ExportFilter): Promise<number> {
  const [row] = await db.select({ n: count() }).from(groups).where(where(f))
  return Number(row?.n ?? 0)
}

/** The next `limit` groups after id `afterId` (0 for the first page). */
export async function exportPage(db: Db, f: ExportFilter, afterId: number, limit: number): Promise<ExportGroup[]> {
  const head = await db
    .select({
      id: groups.id,
      source: groups.source,
      policyVersion: groups.policyVersion,
      status: groups.status,
      trainedStep: groups.trainedStep,
      rewardMean: groups.rewardMean,
      rewardStd: groups.rewardStd,
      createdAt: groups.createdAt,
      promptId: groups.promptId,
      promptText: prompts.text,
      task: { name: tasks.name, scaleRewards: tasks.scaleRewards },
    })
    .from(groups)
    .innerJoin(tasks, eq(tasks.id, groups.taskId))
    .leftJoin(prompts, eq(prompts.id, groups.promptId))
    .where(and(where(f), gt(groups.id, afterId)))
    .orderBy(asc(groups.id))
    .limit(limit)
  if (head.length === 0) return []
  const comps = await db
    .select({
      groupId: completions.groupId,
      index: completions.index,
      text: completions.text,
      tokenIds: completions.tokenIds,
      logprobs: completions.logprobs,
      masks: completions.masks,
      finishReason: completions.finishReason,
      reward: completions.reward,
    })
    .from(completions)
    .where(inArray(completions.groupId, head.map((h) => h.id)))
    .orderBy(asc(completions.groupId), asc(completions.index))
  const byId = new Map(head.map((h) => [h.id, { ...h, completions: [] as ExportGroup['completions'] }]))
  for (const { groupId, ...c } of comps) byId.get(groupId)!.completions.push(c)
  return [...byId.values()]
}
