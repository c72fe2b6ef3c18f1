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
}

export type PostgresDatabase = Database & { sql: postgres.Sql; url: string }

/** Seconds to wait for a connection before failing (postgres.js waits 30 s by default: longer than clients do). */
const CONNECT_TIMEOUT_S = 5
/**
 * Seconds before reconnecting after a failed connection. postgres.js's default grows to 20 s, and queries wait
 * for that reconnect instead of failing: while the database restarts requests would hang. Capped at 0.5 s, a
 * query fails fast (503 + Retry-After) while it is down and finds it again within half a second once it is back.
 */
const reconnectDelayS = (retries: number) => Math.min(0.02 * 2 ** retries, 0.5)

export function connectPostgres(url: string, opts: PostgresOptions = {}): PostgresDatabase {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    // no type lookup on connect: drizzle parses array literals itself, it saves a round trip per connection, and
    // postgres.js leaves a failed lookup (the server going down while connecting) as an unhandled rejection
    fetch_types: false,
    connect_timeout: CONNECT_TIMEOUT_S,
    backoff: reconnectDelayS,
    onnotice: () => {},
  })
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
      open ??= connectPostgres(databaseUrlFrom(env), { max: 1 })
      return open.db
    },
    async close() {
      if (open) await open.close()
    },
  }
}

/** Error codes meaning "the database cannot be reached right now" (not a bad query): retry later. */
const UNAVAILABLE = new Set([
  // sockets (Node) and postgres.js
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  // SQLSTATE: admin/crash shutdown, cannot connect now (starting up / recovering), too many connections
  '57P01', '57P02', '57P03', '53300',
])

/**
 * Whether `err` (or an error it wraps: drizzle wraps driver errors in `cause`) says the database is unreachable
 * or restarting — SQLSTATE class 08 (connection exception), shutdown/startup states, socket and driver codes.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? '')
    if (UNAVAILABLE.has(code) || code.startsWith('08')) return true
    if (/network connection lost|connection (terminated|closed|refused)/i.test(String((e as Error).message ?? ''))) return true
  }
  return false
}
