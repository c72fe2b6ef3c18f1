/**
 * The Atropos-compatible API's storage. Atropos (NousResearch, archived 2026) kept its queue in a Python list;
 * here every registration, environment and scored group is a row:
 *   POST /register        → registerRun      (atropos_runs, keyed by wandb_group; the newest registration is current)
 *   POST /register-env    → registerEnv      (atropos_envs + one task per environment name, "atropos/<name>")
 *   POST /scored_data     → storeAtroposGroups (groups of source 'atropos', status ready; completions keep tokens,
 *                                              masks, scores as rewards, inference log-probs; the rest in details)
 *   GET  /batch           → takeAtroposBatch (whole groups summing to batch_size sequences, each served once)
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { atroposEnvs, atroposRuns, completions, groups, tasks, type AtroposEnv, type AtroposRun } from '../schema.js'
import { rows } from './rows.js'

export type NewAtroposRun = Omit<typeof atroposRuns.$inferInsert, 'id' | 'currentStep' | 'started' | 'registeredAt' | 'createdAt'>

/**
 * Register a trainer. The first registration of a wandb_group fixes its settings (as Atropos' first /register
 * does); registering it again resumes that run and makes it the current one.
 */
export async function registerRun(db: Db, r: NewAtroposRun): Promise<AtroposRun> {
  const [row] = await db
    .insert(atroposRuns)
    .values({ ...r, currentStep: r.startingStep })
    .onConflictDoUpdate({ target: atroposRuns.wandbGroup, set: { registeredAt: sql`now()` } })
    .returning()
  return row
}

/** The newest registered run, or null before any trainer registered. */
export async function currentRun(db: Db): Promise<AtroposRun | null> {
  const [row] = await db.select().from(atroposRuns).orderBy(desc(atroposRuns.registeredAt), desc(atroposRuns.id)).limit(1)
  return row ?? null
}

export interface NewAtroposEnv {
  runId: number
  desiredName: string
  maxTokenLength: number
  weight: number
  groupSize: number
  minBatchAllocation: number | null
}

/** Register an environment of a run: its task ("atropos/<desired name>", made on first use) and real name. */
export async function registerEnv(db: Db, e: NewAtroposEnv): Promise<AtroposEnv> {
  return db.transaction(async (tx) => {
    const name = `atropos/${e.desiredName}`
    await tx
      .insert(tasks)
      .values({
        name,
        verifier: { type: 'external', source: 'atropos' },
        groupSize: e.groupSize,
        maxNewTokens: e.maxTokenLength,
        temperature: 1,
        topP: 1,
        topK: 0,
        leaseSeconds: 600,
      })
      .onConflictDoNothing({ target: tasks.name })
    const [task] = await tx.select({ id: tasks.id }).from(tasks).where(eq(tasks.name, name))
    // one registration at a time per run, so the suffix count is exact
    await tx.select({ id: atroposRuns.id }).from(atroposRuns).where(eq(atroposRuns.id, e.runId)).for('update')
    const [{ n }] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(atroposEnvs)
      .where(and(eq(atroposEnvs.runId, e.runId), eq(atroposEnvs.desiredName, e.desiredName)))
    const [env] = await tx
      .insert(atroposEnvs)
      .values({ ...e, taskId: task.id, realName: `${e.desiredName}_${n}` })
      .returning()
    return env
  })
}

export async function getEnv(db: Db, id: number): Promise<AtroposEnv | null> {
  const [row] = await db.select().from(atroposEnvs).where(eq(atroposEnvs.id, id)).limit(1)
  return row ?? null
}

export async function listEnvs(db: Db, runId: number): Promise<AtroposEnv[]> {
  return db.select().from(atroposEnvs).where(eq(atroposEnvs.runId, runId)).orderBy(asc(atroposEnvs.id))
}

export async function disconnectEnv(db: Db, id: number): Promise<boolean> {
  const out = await db.update(atroposEnvs).set({ connected: false }).where(eq(atroposEnvs.id, id)).returning({ id: atroposEnvs.id })
  return out.length === 1
}

/** One ScoredData row of a group, as stored. */
export interface AtroposSequence {
  tokens: number[]
  masks: number[]
  score: number
  text: string
  /** the sampler's per-token log-probs (inference_logprobs), if sent */
  logprobs: number[] | null
  /** advantages, ref_logprobs, messages, overrides of this row when sent (kept as sent) */
  extra: Record<string, unknown>
}

export interface NewAtroposGroup {
  taskId: number
  policyVersion: number
  rewardMean: number
  rewardStd: number
  /** env_id, generation_params, group_overrides, images when sent */
  extra: Record<string, unknown>
  sequences: AtroposSequence[]
}

/** Store scored groups (all or none), ready to be served; returns their ids in order. */
export async function storeAtroposGroups(db: Db, list: NewAtroposGroup[]): Promise<number[]> {
  if (list.length === 0) return []
  return db.transaction(async (tx) => {
    const ids = await tx
      .insert(groups)
      .values(
        list.map((g) => ({
          taskId: g.taskId,
          source: 'atropos' as const,
          policyVersion: g.policyVersion,
          status: 'ready' as const,
          rewardMean: g.rewardMean,
          rewardStd: g.rewardStd,
          flags: { atropos: g.extra },
        })),
      )
      .returning({ id: groups.id })
    await tx.insert(completions).values(
      list.flatMap((g, gi) =>
        g.sequences.map((s, index) => ({
          groupId: ids[gi].id,
          index,
          text: s.text,
          tokenIds: s.tokens,
          masks: s.masks,
          logprobs: s.logprobs,
          reward: s.score,
          details: { atropos: s.extra },
        })),
      ),
    )
    return ids.map((r) => r.id)
  })
}

export interface StoredAtroposGroup {
  id: number
  extra: Record<string, unknown>
  sequences: AtroposSequence[]
}

/** Groups with their sequences, in the order of `ids`. */
export async function loadAtroposGroups(db: Db, ids: number[]): Promise<StoredAtroposGroup[]> {
  if (ids.length === 0) return []
  const head = await db.select({ id: groups.id, flags: groups.flags }).from(groups).where(inArray(groups.id, ids))
  const comps = await db
    .select({
      groupId: completions.groupId,
      tokens: completions.tokenIds,
      masks: completions.masks,
      score: completions.reward,
      text: completions.text,
      logprobs: completions.logprobs,
      details: completions.details,
    })
    .from(completions)
    .where(inArray(completions.groupId, ids))
    .orderBy(asc(completions.groupId), asc(completions.index))
  const byId = new Map(
    head.map((h) => [h.id, { id: h.id, extra: ((h.flags as { atropos?: object }).atropos ?? {}) as Record<string, unknown>, sequences: [] as AtroposSequence[] }]),
  )
  for (const c of comps)
    byId.get(c.groupId)?.sequences.push({
      tokens: c.tokens ?? [],
      masks: c.masks ?? [],
      score: c.score ?? 0,
      text: c.text,
      logprobs: c.logprobs,
      extra: ((c.details as { atropos?: object }).atropos ?? {}) as Record<string, unknown>,
    })
  return ids.map((id) => byId.get(id)!)
}

/**
 * Serve one batch: the oldest ready Atropos groups whose sizes sum to exactly `run.batchSize` sequences (groups
 * that would overshoot are left for a later batch). They become trained at the run's next step, in the same
 * transaction that advances the step, so a group is served once; concurrent callers serialise on the run row
 * and skip each other's groups. Null (nothing changes) when the queue cannot fill a batch.
 */
export async function takeAtroposBatch(db: Db, runId: number): Promise<{ step: number; groupIds: number[] } | null> {
  return db.transaction(async (tx0) => {
    const tx = tx0 as unknown as Db
    const [run] = await tx.select().from(atroposRuns).where(eq(atroposRuns.id, runId)).for('update')
    if (!run) return null
    if (!run.started) await tx.update(atroposRuns).set({ started: true }).where(eq(atroposRuns.id, runId))
    const candidates = await rows<{ id: number; size: number }>(
      tx,
      sql`SELECT g.id, (SELECT count(*)::int FROM ${completions} c WHERE c.group_id = g.id) AS size
          FROM ${groups} g
          WHERE g.status = 'ready' AND g.source = 'atropos'
          ORDER BY g.created_at, g.id
          LIMIT ${2 * run.batchSize}
          FOR UPDATE SKIP LOCKED`,
    )
    const picked: number[] = []
    let total = 0
    for (const c of candidates) {
      if (total + c.size > run.batchSize) continue
      picked.push(c.id)
      total += c.size
      if (total === run.batchSize) break
    }
    if (total !== run.batchSize) return null
    const step = run.currentStep + 1
    await tx.update(groups).set({ status: 'trained', trainedStep: step }).where(inArray(groups.id, picked))
    await tx.update(atroposRuns).set({ currentStep: step }).where(eq(atroposRuns.id, runId))
    return { step, groupIds: picked }
  })
}

export interface AtroposQueue {
  /** ready Atropos groups and their sequences, by task */
  byTask: Map<number, { groups: number; sequences: number; maxGroupSize: number }>
  groups: number
}

/** What waits to be served. */
export async function atroposQueue(db: Db): Promise<AtroposQueue> {
  const got = await rows<{ task_id: number; groups: number; sequences: number; max_size: number }>(
    db,
    sql`SELECT g.task_id, count(*)::int AS groups, sum(s.size)::int AS sequences, max(s.size)::int AS max_size
        FROM ${groups} g
        CROSS JOIN LATERAL (SELECT count(*)::int AS size FROM ${completions} c WHERE c.group_id = g.id) s
        WHERE g.status = 'ready' AND g.source = 'atropos'
        GROUP BY g.task_id`,
  )
  const byTask = new Map(got.map((r) => [r.task_id, { groups: r.groups, sequences: r.sequences, maxGroupSize: r.max_size }]))
  return { byTask, groups: got.reduce((s, r) => s + r.groups, 0) }
}
