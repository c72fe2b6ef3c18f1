/**
 * Re-scoring stored groups. A group leaves `pending` (human ratings) or `verify_failed` (hosted verifier down)
 * only through here: load it with everything a verifier needs (`loadGroupForScoring`), score it outside SQL,
 * then `storeGroupScore` writes rewards, details and the reward summary and moves the status — a compare-and-set
 * on the expected status, so two re-scorers never both apply (the loser's write is a no-op).
 * `failedGroupIds` picks the retry batch: never-retried groups first, then the longest since their last attempt.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { completions, groups, prompts, ratings, tasks } from '../schema.js'
import type { GroupStatus } from './groups.js'
import { rows } from './rows.js'

export interface StoredRating {
  raterKeyId: number
  score: number
}

/** A stored group with its task's verifier, its prompt (incl. the reference: for scoring only), completions and ratings. */
export interface GroupForScoring {
  id: number
  status: GroupStatus
  flags: Record<string, unknown>
  task: { id: number; name: string; verifier: unknown }
  prompt: { text: string; answer: string | null }
  completions: {
    id: number
    index: number
    text: string
    /** Length of the submitted token ids (null when none were sent). */
    tokenCount: number | null
    ratings: StoredRating[]
  }[]
}

/** What a scorer decided for a group: written by storeGroupScore. */
export interface GroupScore {
  status: GroupStatus
  /** One per completion, in index order (null: pending or failed). */
  rewards: (number | null)[]
  /** One verdict object per completion (stored in completions.details). */
  details: Record<string, unknown>[]
  /** Mean and Bessel std of the rewards once all are in, else null. */
  rewardMean: number | null
  rewardStd: number | null
  /** Merged (top-level keys) into groups.flags. */
  flags?: Record<string, unknown>
}

export async function loadGroupForScoring(db: Db, groupId: number): Promise<GroupForScoring | null> {
  const [g] = await db
    .select({
      id: groups.id,
      status: groups.status,
      flags: groups.flags,
      taskId: tasks.id,
      taskName: tasks.name,
      verifier: tasks.verifier,
      promptText: prompts.text,
      answer: prompts.answer,
    })
    .from(groups)
    .innerJoin(tasks, eq(tasks.id, groups.taskId))
    .innerJoin(prompts, eq(prompts.id, groups.promptId))
    .where(eq(groups.id, groupId))
  if (!g) return null
  const cs = await db
    .select({
      id: completions.id,
      index: completions.index,
      text: completions.text,
      tokenCount: sql<number | null>`octet_length(${completions.tokenIds}) / 4`, // packed int32
    })
    .from(completions)
    .where(eq(completions.groupId, groupId))
    .orderBy(asc(completions.index))
  const rs = cs.length
    ? await db
        .select({ completionId: ratings.completionId, raterKeyId: ratings.raterKeyId, score: ratings.score })
        .from(ratings)
        .where(inArray(ratings.completionId, cs.map((c) => c.id)))
        .orderBy(asc(ratings.id))
    : []
  const byCompletion = new Map<number, StoredRating[]>()
  for (const r of rs) {
    const list = byCompletion.get(r.completionId) ?? []
    list.push({ raterKeyId: r.raterKeyId, score: r.score })
    byCompletion.set(r.completionId, list)
  }
  return {
    id: g.id,
    status: g.status,
    flags: (g.flags ?? {}) as Record<string, unknown>,
    task: { id: g.taskId, name: g.taskName, verifier: g.verifier },
    prompt: { text: g.promptText, answer: g.answer },
    completions: cs.map((c) => ({
      ...c,
      tokenCount: c.tokenCount === null ? null : Number(c.tokenCount),
      ratings: byCompletion.get(c.id) ?? [],
    })),
  }
}

/**
 * Write a score if the group is still in status `from` (compare-and-set): the group row (status, reward summary,
 * flags merged) and every completion's reward and details. Returns false (and writes nothing) when the group has
 * moved on. Run it inside a transaction so group and completions change together.
 */
export async function storeGroupScore(db: Db, groupId: number, from: GroupStatus, score: GroupScore): Promise<boolean> {
  const updated = await db
    .update(groups)
    .set({
      status: score.status,
      rewardMean: score.rewardMean,
      rewardStd: score.rewardStd,
      flags: sql`${groups.flags} || ${JSON.stringify(score.flags ?? {})}::jsonb`,
    })
    .where(sql`${groups.id} = ${groupId} AND ${groups.status} = ${from}`)
    .returning({ id: groups.id })
  if (updated.length === 0) return false
  const values = score.rewards.map((reward, index) => ({ index, reward, details: score.details[index] ?? {} }))
  // One statement for the whole group (a JSON recordset works the same on postgres.js and PGlite).
  await db.execute(sql`
    UPDATE ${completions} AS c SET reward = v.reward, details = v.details
    FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(index integer, reward double precision, details jsonb)
    WHERE c.group_id = ${groupId} AND c.index = v.index`)
  return true
}

/** Up to `limit` groups in verify_failed: never retried first, then least recently retried (flags.reverify.lastAt). */
export async function failedGroupIds(db: Db, limit: number): Promise<number[]> {
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`failedGroupIds: limit must be an integer ≥ 1, got ${limit}`)
  const got = await rows<{ id: number }>(
    db,
    sql`SELECT id FROM ${groups} WHERE status = 'verify_failed'
        ORDER BY coalesce(flags #>> '{reverify,lastAt}', ''), id LIMIT ${limit}`,
  )
  return got.map((r) => Number(r.id))
}
