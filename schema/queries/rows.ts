/** Rows of a raw `db.execute(sql…)` whichever driver ran it (postgres.js returns an array, PGlite `{ rows }`). */
import type { SQL } from 'drizzle-orm'
import type { Db } from '../pg.js'

export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}
