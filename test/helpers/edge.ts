/**
 * An edge app over a fresh database with one key per role, and request helpers for app.request().
 * Usage: `const t = await testEdge(); … await t.close()` (in beforeAll/afterAll).
 */
import type { ArtifactReader } from '../../common/artifacts/index.js'
import { createApp, type EdgeApp } from '../../edge/app.js'
import { DEFAULT_BODY_LIMIT, type EdgeConfig } from '../../edge/config.js'
import { createKey, createTask, insertPrompts, type Role } from '../../schema/queries/index.js'
import type { Db } from '../../schema/pg.js'
import { freshDatabase, type TestDatabase } from './db.js'

export interface TestEdge {
  app: EdgeApp
  db: Db
  database: TestDatabase
  keys: Record<Role, string>
  /** Key ids by role. */
  keyIds: Record<Role, number>
  /** app.request with a bearer key and a JSON body. */
  call(method: string, path: string, opts?: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Response>
  close(): Promise<void>
}

export async function testEdge(config: Partial<EdgeConfig> = {}, artifacts?: ArtifactReader): Promise<TestEdge> {
  const database = await freshDatabase()
  const { db } = database
  const app = createApp({ getDb: () => db, config: { bodyLimitBytes: DEFAULT_BODY_LIMIT, ...config }, artifacts })
  const keys = {} as Record<Role, string>
  const keyIds = {} as Record<Role, number>
  for (const role of ['admin', 'worker', 'rater', 'learner'] as const) {
    const k = await createKey(db, role, `test ${role}`)
    keys[role] = k.key
    keyIds[role] = k.id
  }
  return {
    app,
    db,
    database,
    keys,
    keyIds,
    call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers }
      const key = opts.key === undefined ? keys.admin : opts.key
      if (key !== null) headers.authorization = `Bearer ${key}`
      let body: string | undefined
      if (opts.raw !== undefined) body = opts.raw
      else if (opts.body !== undefined) body = JSON.stringify(opts.body)
      if (body !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json'
      return Promise.resolve(app.request(path, { method, headers, body }))
    },
    close: () => database.drop(),
  }
}

/** A task with prompts "q<i>" whose answers are "a<i>" (exact verifier unless `verifier` is given). */
export async function seedTask(
  db: Db,
  name: string,
  opts: { groupSize?: number; prompts?: number; leaseSeconds?: number; verifier?: Record<string, unknown> } = {},
) {
  const task = await createTask(db, {
    name,
    verifier: opts.verifier ?? { type: 'exact', caseSensitive: false, collapseWhitespace: true },
    groupSize: opts.groupSize ?? 4,
    maxNewTokens: 64,
    temperature: 1,
    topP: 1,
    topK: 0,
    leaseSeconds: opts.leaseSeconds ?? 600,
  })
  if (!task) throw new Error(`task ${name} exists`)
  const n = opts.prompts ?? 3
  await insertPrompts(
    db,
    task.id,
    Array.from({ length: n }, (_, i) => ({ text: `q${i}`, answer: `a${i}` })),
  )
  return task
}
