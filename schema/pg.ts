/**
 * Database handles that are safe for the Workers bundle (postgres.js only; no PGlite here).
 *   connectPostgres(url)   a pooled drizzle handle over postgres.js (Node, tests, CLI)
 *   requestDatabase(env)   the per-request factory for Workers: a client is opened lazily on first use and must be
 *                          closed when the request ends (a client kept at module scope breaks in workerd: "Cannot
 *                          perform I/O on behalf of a different request"). Hyperdrive pools the real connections.
 */
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import * as schema from './schema.js'

export type Schema = typeof schema
/** A drizzle handle over either driver (postgres.js or PGlite); every query function takes one. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>

export interface Database {
  db: Db
  kind: 'postgres' | 'pglite'
  close(): Promise<void>
}

export interface PostgresOptions {
  /** Pool size (default 10). */
  max?: number
  /**
   * Look up array/custom type OIDs on connect (postgres.js `fetch_types`, default true). Per-request clients
   * skip it to save a round trip; drizzle parses array literals itself.
   */
  fetchTypes?: boolean
}

export type PostgresDatabase = Database & { sql: postgres.Sql; url: string }

export function connectPostgres(url: string, opts: PostgresOptions = {}): PostgresDatabase {
  const sql = postgres(url, { max: opts.max ?? 10, fetch_types: opts.fetchTypes ?? true, onnotice: () => {} })
  const db = drizzle(sql, { schema }) as unknown as Db
  return { db, kind: 'postgres', sql, url, close: () => sql.end({ timeout: 5 }) }
}

/** Bindings a Worker may carry to reach Postgres: a Hyperdrive binding (production) or a plain URL. */
export interface DatabaseBindings {
  HYPERDRIVE?: { connectionString: string }
  DATABASE_URL?: string
}

export function databaseUrlFrom(env: DatabaseBindings): string {
  const url = env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL
  if (!url) throw new Error('no database configured: bind HYPERDRIVE or set DATABASE_URL')
  return url
}

/** One request's database: opened on first `get()`, closed by `close()` (call it via ctx.waitUntil). */
export interface RequestDatabase {
  get(): Db
  close(): Promise<void>
}

export function requestDatabase(env: DatabaseBindings): RequestDatabase {
  let open: PostgresDatabase | undefined
  return {
    get() {
      open ??= connectPostgres(databaseUrlFrom(env), { max: 1, fetchTypes: false })
      return open.db
    },
    async close() {
      if (open) await open.close()
    },
  }
}
