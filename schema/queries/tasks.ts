/** Tasks: create, find by name, list (tasks hold no reference answers; those live on prompts). */
import { asc, eq } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { tasks, type Task } from '../schema.js'

export type NewTask = Omit<typeof tasks.$inferInsert, 'id' | 'createdAt'>

/** Insert a task; null when the name is taken. */
export async function createTask(db: Db, task: NewTask): Promise<Task | null> {
  const [row] = await db.insert(tasks).values(task).onConflictDoNothing({ target: tasks.name }).returning()
  return row ?? null
}

export async function getTaskByName(db: Db, name: string): Promise<Task | null> {
  const [row] = await db.select().from(tasks).where(eq(tasks.name, name)).limit(1)
  return row ?? null
}

export async function listTasks(db: Db): Promise<Task[]> {
  return db.select().from(tasks).orderBy(asc(tasks.name))
}
