/** Rows of a raw `db.execute(sql…)` whichever driver ran it (postgres.js returns an array, PGlite `{ rows }`). */
import type { SQL } from 'drizzle-orm'
import type { Db } from '../pg.js'

export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}

/** The postgres.js client under a drizzle handle, when it is one (not PGlite, not a transaction). */
interface PostgresJsClient {
  unsafe(query: string, params: unknown[], opts: { prepare: boolean }): Promise<unknown[]>
}
const postgresJs = (db: Db): PostgresJsClient | undefined => {
  const client = (db as { $client?: { unsafe?: unknown; options?: unknown } }).$client
  return client && typeof client.unsafe === 'function' && client.options ? (client as unknown as PostgresJsClient) : undefined
}

/**
 * rows() for a hot statement whose text never changes (only its parameters do): on postgres.js it runs as a named
 * prepared statement, parsed once per connection, then one round trip (Bind + Execute) per call. drizzle's
 * `execute` sends raw SQL unnamed, and postgres.js then waits for the parameter types before binding: two round
 * trips and a fresh parse every call. The same rows as rows() (the same client and type parsers); elsewhere (PGlite,
 * inside a transaction) it is rows().
 */
export async function preparedRows<T>(db: Db, query: SQL): Promise<T[]> {
  const client = postgresJs(db)
  if (!client) return rows<T>(db, query)
  const { sql, params } = (db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }).dialect.sqlToQuery(query)
  return (await client.unsafe(sql, params, { prepare: true })) as T[]
}
