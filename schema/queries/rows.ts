/** Rows of a raw `db.execute(sql…)` whichever driver ran it (postgres.js returns an array, PGlite `{ rows }`). */
import { fillPlaceholders, sql, type SQL } from 'drizzle-orm'
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

/** A placeholder for every name asked of it: a statement built with these has parameter slots instead of values. */
const slots = new Proxy({} as Record<string, unknown>, { get: (_, name) => sql.placeholder(String(name)) })

/**
 * rows() for a hot statement whose text never changes (only its parameters do), built from named values. On
 * postgres.js: its text and parameter slots are built once (the first call builds it with placeholders; drizzle
 * otherwise walks the whole template, escaping every table and column name, on every call) and it runs as a named
 * prepared statement, parsed once per connection, then one round trip (Bind + Execute) per call — drizzle's
 * `execute` sends raw SQL unnamed, and postgres.js then waits for the parameter types before binding: two round
 * trips and a fresh parse every call. The same rows as rows() (the same client and type parsers). `build` must use
 * each value only as a parameter, never to choose the statement's shape. Elsewhere (PGlite, inside a transaction)
 * it is rows() of the statement built with the values.
 */
export function hotStatement<V extends Record<string, unknown>>(build: (v: V) => SQL) {
  let built: { sql: string; params: unknown[] } | undefined
  return async <T>(db: Db, values: V): Promise<T[]> => {
    const client = postgresJs(db)
    if (!client) return rows<T>(db, build(values))
    built ??= (db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }).dialect.sqlToQuery(build(slots as V))
    return (await client.unsafe(built.sql, fillPlaceholders(built.params, values), { prepare: true })) as T[]
  }
}
