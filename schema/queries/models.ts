/** Published model versions: newest, by number, the insert the learner's publisher ends with, and retention. */
import { and, desc, eq, gt, inArray, isNull, ne, notExists, notInArray, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { groups, leases, modelVersions, type ModelVersion } from '../schema.js'

export type NewModelVersion = Omit<typeof modelVersions.$inferInsert, 'id' | 'publishedAt' | 'prunedAt'>

export async function latestModel(db: Db): Promise<ModelVersion | null> {
  const [row] = await db.select().from(modelVersions).orderBy(desc(modelVersions.version)).limit(1)
  return row ?? null
}

export async function getModel(db: Db, version: number): Promise<ModelVersion | null> {
  const [row] = await db.select().from(modelVersions).where(eq(modelVersions.version, version)).limit(1)
  return row ?? null
}

/** Make a version visible (call only once its artifacts are complete). */
export async function insertModelVersion(db: Db, row: NewModelVersion): Promise<ModelVersion> {
  const [out] = await db.insert(modelVersions).values(row).returning()
  return out
}

/** Group statuses that still need the generating version's weights (the learner recomputes old log-probs). */
const UNTRAINED = ['pending', 'verify_failed', 'ready', 'claimed'] as const

/**
 * Versions retention may delete, oldest first: never version 0 (the base model: what a learner restores from and
 * the KL reference), never one of the newest `keep`, not pruned already, and named by no live lease (unsubmitted,
 * unexpired) and no group still to be trained.
 */
export async function prunableVersions(db: Db, keep: number): Promise<ModelVersion[]> {
  const newest = db.select({ v: modelVersions.version }).from(modelVersions).orderBy(desc(modelVersions.version)).limit(keep)
  const live = db
    .select({ x: sql`1` })
    .from(leases)
    .where(and(eq(leases.modelVersion, modelVersions.version), isNull(leases.submittedHash), gt(leases.expiresAt, sql`now()`)))
  const untrained = db
    .select({ x: sql`1` })
    .from(groups)
    .where(and(eq(groups.policyVersion, modelVersions.version), inArray(groups.status, [...UNTRAINED])))
  return db
    .select()
    .from(modelVersions)
    .where(and(gt(modelVersions.version, 0), isNull(modelVersions.prunedAt), notInArray(modelVersions.version, newest), notExists(live), notExists(untrained)))
    .orderBy(modelVersions.version)
}

/** Whether a version other than `version` that is still kept stores its files at `artifactUri` (same content). */
export async function artifactsShared(db: Db, artifactUri: string, version: number): Promise<boolean> {
  const [row] = await db
    .select({ v: modelVersions.version })
    .from(modelVersions)
    .where(and(eq(modelVersions.artifactUri, artifactUri), ne(modelVersions.version, version), isNull(modelVersions.prunedAt)))
    .limit(1)
  return !!row
}

/** Record that retention deleted a version's files (the row stays: steps and groups still name it). */
export async function markVersionPruned(db: Db, version: number): Promise<void> {
  await db.update(modelVersions).set({ prunedAt: sql`now()` }).where(and(eq(modelVersions.version, version), isNull(modelVersions.prunedAt)))
}
