/** Published model versions: newest, by number, and the insert the learner's publisher ends with. */
import { desc, eq } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { modelVersions, type ModelVersion } from '../schema.js'

export type NewModelVersion = Omit<typeof modelVersions.$inferInsert, 'id' | 'publishedAt'>

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
