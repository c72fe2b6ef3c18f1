/** Database reachability (GET /healthz): one trivial round trip; throws when the database does not answer. */
import { sql } from 'drizzle-orm'
import type { Db } from '../pg.js'

export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`)
}
