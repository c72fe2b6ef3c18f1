/**
 * The learner's side of the queue. Every state change of a group after the edge stored it happens here:
 *
 *   ready ──claimReadyGroups──▶ claimed(owner, expiry) ──completeStep──▶ trained(step)
 *     ▲                              │ ├──markStale──▶ stale      (generated too many versions ago: counted, kept)
 *     └──releaseExpiredClaims ───────┘ └──flagGroup──▶ discarded  (reported log-probs disagree with ours)
 *        / releaseClaims(owner)
 *
 * Only groups stored for a lease (source 'lease') are claimed here; Atropos groups (source 'atropos', tokens with the
 * prompt inside and masks) are served by /atropos/batch (atropos.ts).
 *
 * Claiming is one statement (`FOR UPDATE SKIP LOCKED`): concurrent learners on a real server never take the same
 * group (PGlite is one session, so it serialises anyway). A claim carries an owner and an expiry, so a crashed
 * learner's groups return to the queue. completeStep marks the groups trained only while this owner still holds
 * them, and writes the train_steps row in the same transaction: a group is trained exactly once, and the
 * train_steps rows are the learner's commit log (replayed on resume, see learner/service).
 */
import { and, asc, eq, inArray, lt, max, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { completions, groups, modelVersions, prompts, tasks, trainSteps, type ModelVersion, type Task } from '../schema.js'
import { rows } from './rows.js'

export interface ClaimArgs {
  /** who holds the claim (stable per learner lineage, e.g. "learner@host") */
  owner: string
  /** most groups to take */
  limit: number
  /** claim lifetime; a learner renews it while it works */
  claimTtlMs: number
  /** only these tasks (default: all) */
  taskIds?: number[]
}

export interface ClaimedGroup {
  id: number
  taskId: number
  policyVersion: number
  claimExpiresAt: Date
}

const ttl = (ms: number) => sql`make_interval(secs => ${ms / 1000}::double precision)`

/** Claim up to `limit` of the oldest ready groups (oldest first). */
export async function claimReadyGroups(db: Db, a: ClaimArgs): Promise<ClaimedGroup[]> {
  if (!(a.limit >= 1)) throw new RangeError(`claimReadyGroups: limit must be ≥ 1, got ${a.limit}`)
  if (!(a.claimTtlMs > 0)) throw new RangeError(`claimReadyGroups: claimTtlMs must be > 0, got ${a.claimTtlMs}`)
  const byTask = a.taskIds?.length ? sql`AND task_id IN ${a.taskIds}` : sql``
  const got = await rows<{ id: number; task_id: number; policy_version: number; claim_expires_at: Date | string }>(
    db,
    sql`
    WITH pick AS (
      SELECT id FROM ${groups}
      WHERE status = 'ready' AND source = 'lease' ${byTask}
      ORDER BY created_at, id
      LIMIT ${a.limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE ${groups} g
    SET status = 'claimed', claimed_by = ${a.owner}, claim_expires_at = now() + ${ttl(a.claimTtlMs)}
    FROM pick WHERE g.id = pick.id
    RETURNING g.id, g.task_id, g.policy_version, g.claim_expires_at`,
  )
  return got
    .map((r) => ({
      id: r.id,
      taskId: r.task_id,
      policyVersion: r.policy_version,
      claimExpiresAt: new Date(r.claim_expires_at),
    }))
    .sort((x, y) => x.id - y.id)
}

/** Claims whose expiry passed go back to ready (a crashed learner's work). Returns how many. */
export async function releaseExpiredClaims(db: Db): Promise<number> {
  const out = await db
    .update(groups)
    .set({ status: 'ready', claimedBy: null, claimExpiresAt: null })
    .where(and(eq(groups.status, 'claimed'), lt(groups.claimExpiresAt, sql`now()`)))
    .returning({ id: groups.id })
  return out.length
}

/** Give back this owner's claims (all, or the listed groups) at once, e.g. when a learner restarts. */
export async function releaseClaims(db: Db, a: { owner: string; groupIds?: number[] }): Promise<number> {
  const out = await db
    .update(groups)
    .set({ status: 'ready', claimedBy: null, claimExpiresAt: null })
    .where(
      and(
        eq(groups.status, 'claimed'),
        eq(groups.claimedBy, a.owner),
        a.groupIds ? inArray(groups.id, a.groupIds.length ? a.groupIds : [-1]) : undefined,
      ),
    )
    .returning({ id: groups.id })
  return out.length
}

/** Push this owner's claims' expiry forward (a heartbeat during a long step). Returns how many it still holds. */
export async function renewClaims(db: Db, a: { owner: string; groupIds: number[]; claimTtlMs: number }): Promise<number> {
  return (await renewHeldClaims(db, a)).length
}

/** renewClaims answering which groups are still held and their new expiry (id order). */
export async function renewHeldClaims(
  db: Db,
  a: { owner: string; groupIds: number[]; claimTtlMs: number },
): Promise<{ id: number; claimExpiresAt: Date }[]> {
  if (a.groupIds.length === 0) return []
  const out = await db
    .update(groups)
    .set({ claimExpiresAt: sql`now() + ${ttl(a.claimTtlMs)}` })
    .where(and(eq(groups.status, 'claimed'), eq(groups.claimedBy, a.owner), inArray(groups.id, a.groupIds)))
    .returning({ id: groups.id, claimExpiresAt: groups.claimExpiresAt })
  return out.map((r) => ({ id: r.id, claimExpiresAt: r.claimExpiresAt! })).sort((x, y) => x.id - y.id)
}

/**
 * Mark groups generated before `minPolicyVersion` stale: every ready one (of `taskIds`, default all tasks), plus
 * the listed groups this owner has claimed. They stay in the table (counted in stats) with flags.stale = { minPolicyVersion }. Returns their ids.
 */
export async function markStale(
  db: Db,
  a: { minPolicyVersion: number; owner?: string; groupIds?: number[]; taskIds?: number[] },
): Promise<number[]> {
  const byTask = a.taskIds?.length ? sql`AND task_id IN ${a.taskIds}` : sql``
  const claimed =
    a.owner && a.groupIds?.length
      ? sql`OR (status = 'claimed' AND claimed_by = ${a.owner} AND id IN ${a.groupIds})`
      : sql``
  const got = await rows<{ id: number }>(
    db,
    sql`
    UPDATE ${groups}
    SET status = 'stale', claimed_by = NULL, claim_expires_at = NULL,
        flags = flags || jsonb_build_object('stale', jsonb_build_object('minPolicyVersion', ${a.minPolicyVersion}::int))
    WHERE policy_version < ${a.minPolicyVersion} AND source = 'lease' AND (status = 'ready' ${claimed}) ${byTask}
    RETURNING id`,
  )
  return got.map((r) => r.id).sort((x, y) => x - y)
}

/**
 * Exclude a claimed group from training (status discarded) and record why under flags[reason], e.g.
 * reason "logprob_mismatch" with the largest disagreement. Only while `owner` holds it; returns whether it did.
 */
export async function flagGroup(
  db: Db,
  a: { owner: string; groupId: number; reason: string; details: Record<string, unknown> },
): Promise<boolean> {
  const out = await db
    .update(groups)
    .set({
      status: 'discarded',
      claimedBy: null,
      claimExpiresAt: null,
      flags: sql`${groups.flags} || jsonb_build_object(${a.reason}::text, ${JSON.stringify(a.details)}::jsonb)`,
    })
    .where(and(eq(groups.id, a.groupId), eq(groups.status, 'claimed'), eq(groups.claimedBy, a.owner)))
    .returning({ id: groups.id })
  return out.length === 1
}

/** completeStep found groups it no longer holds (claim expired and re-taken, or already trained). */
export class ClaimLostError extends Error {
  override name = 'ClaimLostError'
  constructor(readonly lost: number[]) {
    super(`completeStep: claim lost on group(s) ${lost.join(', ')}; nothing was written`)
  }
}

export interface CompleteStepArgs {
  owner: string
  groupIds: number[]
  step: number
  /** the policy version the step started from (the newest published one) */
  policyVersion: number
  metrics: Record<string, number>
}

/**
 * Commit one optimisation step: mark its groups trained (only those still claimed by `owner`) and insert the
 * train_steps row, in one transaction. If any group is no longer held, nothing is written (ClaimLostError).
 */
export async function completeStep(db: Db, a: CompleteStepArgs): Promise<void> {
  await db.transaction(async (tx) => {
    const done =
      a.groupIds.length === 0
        ? []
        : await tx
            .update(groups)
            .set({ status: 'trained', trainedStep: a.step, claimedBy: null, claimExpiresAt: null })
            .where(and(inArray(groups.id, a.groupIds), eq(groups.status, 'claimed'), eq(groups.claimedBy, a.owner)))
            .returning({ id: groups.id })
    if (done.length !== new Set(a.groupIds).size) {
      const got = new Set(done.map((r) => r.id))
      throw new ClaimLostError(a.groupIds.filter((id) => !got.has(id)))
    }
    await tx.insert(trainSteps).values({
      step: a.step,
      policyVersion: a.policyVersion,
      metrics: a.metrics,
      groupCount: a.groupIds.length,
    })
  })
}

/** The newest committed step (0 when none). */
export async function lastCommittedStep(db: Db): Promise<number> {
  const [row] = await db.select({ step: max(trainSteps.step) }).from(trainSteps)
  return row?.step ?? 0
}

/** Ids of the groups trained at `step`, in id order (what a resuming learner replays). */
export async function groupsTrainedAt(db: Db, step: number): Promise<number[]> {
  const got = await db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.status, 'trained'), eq(groups.trainedStep, step), eq(groups.source, 'lease')))
    .orderBy(asc(groups.id))
  return got.map((r) => r.id)
}

/** The train_steps row of `step` (policy version and metrics), or null. */
export async function getTrainStep(db: Db, step: number) {
  const [row] = await db.select().from(trainSteps).where(eq(trainSteps.step, step)).limit(1)
  return row ?? null
}

export interface BatchCompletion {
  index: number
  tokenIds: number[] | null
  logprobs: number[] | null
  finishReason: 'stop' | 'length' | null
  reward: number | null
  /** only with `{ text: true }` */
  text?: string
}

export interface BatchGroup {
  id: number
  policyVersion: number
  promptId: number
  promptText: string
  task: Pick<Task, 'id' | 'name' | 'scaleRewards' | 'temperature' | 'maxNewTokens' | 'chat'>
  /** in completion order */
  completions: BatchCompletion[]
}

/**
 * Groups with their prompt, task settings and completions, in the order of `ids`. `text: true` adds each
 * completion's text (HTTP trainers and exports read it; the in-process learner does not need it).
 */
export async function loadGroups(db: Db, ids: number[], o: { text?: boolean } = {}): Promise<BatchGroup[]> {
  if (ids.length === 0) return []
  const head = await db
    .select({
      id: groups.id,
      policyVersion: groups.policyVersion,
      promptId: prompts.id,
      promptText: prompts.text,
      task: {
        id: tasks.id,
        name: tasks.name,
        scaleRewards: tasks.scaleRewards,
        temperature: tasks.temperature,
        maxNewTokens: tasks.maxNewTokens,
        chat: tasks.chat,
      },
    })
    .from(groups)
    .innerJoin(prompts, eq(prompts.id, groups.promptId))
    .innerJoin(tasks, eq(tasks.id, groups.taskId))
    .where(inArray(groups.id, ids))
  const comps = await db
    .select({
      groupId: completions.groupId,
      index: completions.index,
      tokenIds: completions.tokenIds,
      logprobs: completions.logprobs,
      finishReason: completions.finishReason,
      reward: completions.reward,
      ...(o.text ? { text: completions.text } : {}),
    })
    .from(completions)
    .where(inArray(completions.groupId, ids))
    .orderBy(asc(completions.groupId), asc(completions.index))
  const byId = new Map(head.map((h) => [h.id, { ...h, completions: [] as BatchCompletion[] }]))
  for (const { groupId, ...c } of comps) byId.get(groupId)?.completions.push(c)
  return ids.map((id) => {
    const g = byId.get(id)
    if (!g) throw new Error(`loadGroups: no group ${id}`)
    return g
  })
}

/** Ready groups waiting (the progress line's queue depth). */
export async function queueDepth(db: Db): Promise<number> {
  const [row] = await rows<{ n: unknown }>(db, sql`SELECT count(*) AS n FROM ${groups} WHERE status = 'ready' AND source = 'lease'`)
  return Number(row?.n ?? 0)
}

export interface PublishArgs {
  step: number
  artifactUri: string
  /** manifest hash: sha256 of the canonical manifest of per-file hashes */
  sha256: string
  files: Record<string, { sha256: string; bytes: number; url?: string }>
  /** default onnx (Cohort's own graphs) */
  format?: ModelVersion['format']
  metrics?: Record<string, unknown>
}

/**
 * Make a version visible: the next number (0 for the first, the base model) with its artifacts, which must be
 * complete in the store before this is called. A version already published for this manifest hash and step
 * is returned as is (a publisher that crashed after the insert and retries makes no duplicate); `created` says which.
 */
export async function publishVersion(db: Db, a: PublishArgs): Promise<ModelVersion> {
  return (await publishVersionOnce(db, a)).version
}

export async function publishVersionOnce(db: Db, a: PublishArgs): Promise<{ version: ModelVersion; created: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`LOCK TABLE ${modelVersions} IN SHARE ROW EXCLUSIVE MODE`)
    const [same] = await tx
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.sha256, a.sha256), eq(modelVersions.step, a.step)))
      .limit(1)
    if (same) return { version: same, created: false }
    const [out] = await tx
      .insert(modelVersions)
      .values({
        version: sql`(SELECT coalesce(max(version), -1) + 1 FROM ${modelVersions})`,
        step: a.step,
        artifactUri: a.artifactUri,
        sha256: a.sha256,
        files: a.files,
        format: a.format ?? 'onnx',
        metrics: a.metrics ?? {},
      })
      .returning()
    return { version: out, created: true }
  })
}

/** Every published version, oldest first (for a learner rebuilding its window of recent weights). */
export async function listVersions(db: Db): Promise<ModelVersion[]> {
  return db.select().from(modelVersions).orderBy(asc(modelVersions.version))
}
