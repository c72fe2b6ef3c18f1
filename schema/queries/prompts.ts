/** Prompts: bulk insert (chunked under Postgres' 65,535 bind-parameter limit, in one transaction). */
import type { Db } from '../pg.js'
import { prompts } from '../schema.js'

export interface NewPrompt {
  text: string
  answer?: string | null
  metadata?: Record<string, unknown>
}

/** Rows per INSERT statement (4 parameters each). */
const CHUNK = 2000

export async function insertPrompts(db: Db, taskId: number, rows: readonly NewPrompt[]): Promise<number> {
  if (rows.length === 0) return 0
  return db.transaction(async (tx) => {
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
}
