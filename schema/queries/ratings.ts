/**
 * Human ratings: what a rater should rate next, storing a rating (and settling the group when it reaches its
 * quorum, in the same transaction), and the rating history for rater agreement.
 * Concurrency: addRating locks the group row (FOR UPDATE), so the ratings of one group are applied one at a time
 * and exactly one of them sees the last quorum reached and flips the group pending → ready.
 */
import { asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { apiKeys, completions, groups, prompts, ratings, tasks } from '../schema.js'
import type { GroupStatus } from './groups.js'
import { loadGroupForScoring, storeGroupScore, type GroupForScoring, type GroupScore } from './reverify.js'
import { rows } from './rows.js'

export interface CompletionToRate {
  completionId: number
  index: number
  text: string
  groupId: number
  promptId: number
  promptText: string
  /** Ratings it has so far. */
  ratings: number
}

/**
 * The completion `raterKeyId` should rate next in `taskId`: in a pending group, with fewer than `quorum` ratings,
 * not rated by this rater, not in `skip` (what the rater passed over); the one closest to its quorum first, then the oldest group. Null when none.
 * (Never selects the prompt's reference answer.)
 */
export async function nextToRate(
  db: Db,
  args: { taskId: number; raterKeyId: number; quorum: number; skip?: readonly number[] },
): Promise<CompletionToRate | null> {
  const skip = args.skip?.length ? sql`AND c.id NOT IN (${sql.join(args.skip.map((id) => sql`${id}`), sql`, `)})` : sql``
  const [row] = await rows<{
    completion_id: number
    index: number
    text: string
    group_id: number
    prompt_id: number
    prompt_text: string
    n: number | string
  }>(
    db,
    sql`
    SELECT c.id AS completion_id, c.index, c.text, g.id AS group_id, p.id AS prompt_id, p.text AS prompt_text, rc.n
    FROM ${groups} g
    JOIN ${completions} c ON c.group_id = g.id
    JOIN ${prompts} p ON p.id = g.prompt_id
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM ${ratings} r WHERE r.completion_id = c.id) rc
    WHERE g.task_id = ${args.taskId} AND g.status = 'pending' AND rc.n < ${args.quorum}
      AND NOT EXISTS (SELECT 1 FROM ${ratings} r WHERE r.completion_id = c.id AND r.rater_key_id = ${args.raterKeyId})
      ${skip}
    ORDER BY rc.n DESC, g.created_at, g.id, c.index
    LIMIT 1`,
  )
  if (!row) return null
  return {
    completionId: Number(row.completion_id),
    index: Number(row.index),
    text: row.text,
    groupId: Number(row.group_id),
    promptId: Number(row.prompt_id),
    promptText: row.prompt_text,
    ratings: Number(row.n),
  }
}

export interface CompletionTarget {
  completionId: number
  groupId: number
  groupStatus: GroupStatus
  taskName: string
  verifier: unknown
}

/** A completion's group status and its task's verifier (to check it takes ratings); null when unknown. */
export async function completionTarget(db: Db, completionId: number): Promise<CompletionTarget | null> {
  const [row] = await db
    .select({
      completionId: completions.id,
      groupId: groups.id,
      groupStatus: groups.status,
      taskName: tasks.name,
      verifier: tasks.verifier,
    })
    .from(completions)
    .innerJoin(groups, eq(groups.id, completions.groupId))
    .innerJoin(tasks, eq(tasks.id, groups.taskId))
    .where(eq(completions.id, completionId))
  return row ?? null
}

export type RateOutcome =
  | { kind: 'rated'; groupId: number; groupStatus: GroupStatus; ratings: number }
  | { kind: 'not_found' }
  | { kind: 'duplicate' }
  | { kind: 'closed'; groupStatus: GroupStatus }

/**
 * Store one rating (one per rater and completion) while the group is pending, then hand the group (with every
 * rating, this one included) to `settle`; a score it returns is stored in the same transaction (pending → its
 * status). `settle` returns null to leave the group pending.
 */
export async function addRating(
  db: Db,
  args: { completionId: number; raterKeyId: number; score: number },
  settle: (group: GroupForScoring) => Promise<GroupScore | null>,
): Promise<RateOutcome> {
  return db.transaction(async (tx) => {
    const [g] = await rows<{ id: number; status: GroupStatus }>(
      tx,
      sql`SELECT g.id, g.status FROM ${groups} g JOIN ${completions} c ON c.group_id = g.id
          WHERE c.id = ${args.completionId} FOR UPDATE OF g`,
    )
    if (!g) return { kind: 'not_found' } as const
    if (g.status !== 'pending') return { kind: 'closed', groupStatus: g.status } as const
    const inserted = await tx
      .insert(ratings)
      .values(args)
      .onConflictDoNothing({ target: [ratings.completionId, ratings.raterKeyId] })
      .returning({ id: ratings.id })
    if (inserted.length === 0) return { kind: 'duplicate' } as const
    const group = await loadGroupForScoring(tx, Number(g.id))
    if (!group) throw new Error(`group ${g.id} vanished inside its own lock`)
    const score = await settle(group)
    if (score && !(await storeGroupScore(tx, group.id, 'pending', score)))
      throw new Error(`group ${group.id} left pending while locked`)
    const count = group.completions.find((c) => c.id === args.completionId)?.ratings.length ?? 0
    return { kind: 'rated', groupId: group.id, groupStatus: score?.status ?? 'pending', ratings: count } as const
  })
}

export interface RatingRow {
  completionId: number
  taskId: number
  raterKeyId: number
  score: number
}

/** Every rating (optionally of one task), for agreement statistics. */
export async function ratingHistory(db: Db, taskId?: number): Promise<RatingRow[]> {
  return db
    .select({
      completionId: ratings.completionId,
      taskId: groups.taskId,
      raterKeyId: ratings.raterKeyId,
      score: ratings.score,
    })
    .from(ratings)
    .innerJoin(completions, eq(completions.id, ratings.completionId))
    .innerJoin(groups, eq(groups.id, completions.groupId))
    .where(taskId === undefined ? undefined : eq(groups.taskId, taskId))
    .orderBy(asc(ratings.completionId), asc(ratings.id))
}

/** Display fields of the rater keys (id → prefix, label). */
export async function raterKeys(db: Db): Promise<{ id: number; prefix: string; label: string | null; revoked: boolean }[]> {
  return db
    .select({ id: apiKeys.id, prefix: apiKeys.prefix, label: apiKeys.label, revoked: sql<boolean>`${apiKeys.revokedAt} IS NOT NULL` })
    .from(apiKeys)
    .where(eq(apiKeys.role, 'rater'))
    .orderBy(asc(apiKeys.id))
}
