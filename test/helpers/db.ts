/**
 * A fresh, migrated database per test file. On a real Postgres server (DATABASE_URL, or 127.0.0.1:5432 when it
 * answers) a new database `cohort_t_<random>` is created and dropped afterwards; otherwise (or with
 * COHORT_TEST_DB=pglite) an in-memory PGlite. `kind` says which, so tests of real-server-only semantics
 * (SKIP LOCKED across connections) can tell.
 */
import { connect } from 'node:net'
import { createDatabaseOn, dropDatabaseOn } from '../../schema/admin.js'
import { openDatabase, type OpenDatabase } from '../../schema/db.js'
import { migrateDatabase } from '../../schema/migrate.js'

export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres'

function reachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port })
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

/** The server URL tests should use, or null for PGlite. */
export async function testServerUrl(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env.COHORT_TEST_DB === 'pglite') return null
  if (env.DATABASE_URL) return env.DATABASE_URL
  return (await reachable('127.0.0.1', 5432)) ? LOCAL_POSTGRES : null
}

/** `url` is set on a real server (undefined for PGlite). */
export type TestDatabase = OpenDatabase & { drop(): Promise<void> }

/** Create an empty database on the server at `serverUrl`; returns its URL and a dropper. */
export async function createServerDatabase(serverUrl: string) {
  const name = `cohort_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  return {
    url: await createDatabaseOn(serverUrl, name),
    drop: () => dropDatabaseOn(serverUrl, name),
  }
}

/** `migrate: false` leaves it empty (a test applying migrations itself). */
export async function freshDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = opts.migrate ?? true
  const serverUrl = await testServerUrl()
  if (!serverUrl) {
    const database = await openDatabase({ dataDir: 'memory://' })
    if (migrate) await migrateDatabase(database)
    return { ...database, drop: () => database.close() }
  }
  const created = await createServerDatabase(serverUrl)
  const database = await openDatabase({ databaseUrl: created.url })
  try {
    if (migrate) await migrateDatabase(database)
  } catch (err) {
    await database.close()
    await created.drop()
    throw err
  }
  return {
    ...database,
    async drop() {
      await database.close()
      await created.drop()
    },
  }
}
