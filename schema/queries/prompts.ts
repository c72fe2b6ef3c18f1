/** Prompts: bulk insert (chunked under Postgres' 65,535 bind-parameter limit, in one transaction; a large one then analyzed). */
import { sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { prompts } from '../schema.js'

export interface NewPrompt {
  text: string
  answer?: string | null
  metadata?: Record<string, unknown>
}

/** Rows per INSERT statement (4 parameters each). */
const CHUNK = 2000
/** Inserts of at least this many prompts analyze the table at once. */
const ANALYZE_AT = 1000

export async function insertPrompts(db: Db, taskId: number, rows: readonly NewPrompt[]): Promise<number> {
  if (rows.length === 0) return 0
  const n = await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await tx.insert(prompts).values(
        rows.slice(i, i + CHUNK).map((p) => ({
          taskId,
          text: p.text,
          answer: p.answer ?? null,
          metadata: p.metadata ?? {},
        })),
      )
    }
    return rows.length
  })
  // a large insert: fresh planner statistics now, not when autovacuum gets to it (leasePrompts' generic plan, built
  // on statistics that miss a new task's prompts, sorted every prompt of the task on each lease)
  if (rows.length >= ANALYZE_AT) await db.execute(sql`ANALYZE ${prompts}`)
  return n
}
