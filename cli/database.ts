/** The database a CLI command works on: DATABASE_URL, else the embedded PGlite in COHORT_DATA_DIR / `.cohort/`. */
import { openDatabaseFromEnv, type OpenDatabase } from '../schema/db.js'
import { migrateDatabase } from '../schema/migrate.js'

/**
 * Open and migrate, run `fn`, close. The embedded PGlite is single-process: stop a running `cohort serve` on the
 * same data directory first (or use the HTTP API instead).
 */
export async function withDatabase<T>(fn: (database: OpenDatabase) => Promise<T>): Promise<T> {
  const database = await openDatabaseFromEnv()
  try {
    await migrateDatabase(database)
    return await fn(database)
  } finally {
    await database.close()
  }
}

export const describeDatabase = (env = process.env) =>
  env.DATABASE_URL ? 'DATABASE_URL' : `embedded PGlite in ${env.COHORT_DATA_DIR || '.cohort'}/`
