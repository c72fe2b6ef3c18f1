/**
 * Fixed one-minute windows of request counts per bucket (e.g. "lease:12"): the rate limiter the Workers edge
 * shares across isolates. One statement counts the request and drops the bucket's older windows.
 */
import { sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { rateWindows } from '../schema.js'
import { rows } from './rows.js'

/** Count one request in `bucket`'s current window; returns the count so far and the seconds the window has left. */
export async function hitRateWindow(db: Db, bucket: string): Promise<{ count: number; secondsLeft: number }> {
  const [r] = await rows<{ count: number | string; seconds_left: number | string }>(
    db,
    sql`
    WITH old AS (
      DELETE FROM ${rateWindows} WHERE bucket = ${bucket} AND window_start < date_trunc('minute', now())
    ), hit AS (
      INSERT INTO ${rateWindows} (bucket, window_start, count) VALUES (${bucket}, date_trunc('minute', now()), 1)
      ON CONFLICT (bucket, window_start) DO UPDATE SET count = ${rateWindows}.count + 1
      RETURNING count
    )
    SELECT hit.count, extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()) AS seconds_left
    FROM hit`,
  )
  return { count: Number(r.count), secondsLeft: Number(r.seconds_left) }
}
