/** Database reachability (GET /healthz) and the server's view of this database's connections. */
import { sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { rows } from './rows.js'

/** One trivial round trip; throws when the database does not answer. */
export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`)
}

/**
 * Process ids of the server backends connected to this database (benchmarks read their CPU time from /proc);
 * `self: false` leaves out the one answering this query.
 */
export async function backendPids(db: Db, opts: { self?: boolean } = {}): Promise<number[]> {
  const r = await rows<{ pid: unknown }>(
    db,
    opts.self === false
      ? sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`
      : sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  )
  return r.map((x) => Number(x.pid))
}
