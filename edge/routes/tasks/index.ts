/**
 * Tasks: POST /v1/tasks (admin), GET /v1/tasks (any key), POST /v1/tasks/{name}/prompts (admin, bulk).
 * Tasks carry no reference answers; prompts' answers are stored and never listed.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { createTask, getTaskByName, insertPrompts, listTasks, type Task } from '../../../schema/index.js'
import { unscorablePrompts } from '../../../verifiers/index.js'
import type { Context } from 'hono'
import { dbOf, type AppEnv, type EdgeDeps } from '../../env.js'
import { anyRole, auth } from '../../middleware/index.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'
import { CreateTaskBody, InsertPromptsBody, TaskParams, TaskSchema } from './schemas.js'

const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

const create = createRoute({
  method: 'post',
  path: '/tasks',
  summary: 'Create a task',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateTaskBody } } } },
  responses: { 201: json(TaskSchema, 'created'), ...problems(400, 401, 403, 409, 413, 415) },
})

const list = createRoute({
  method: 'get',
  path: '/tasks',
  summary: 'List tasks',
  security: [{ bearer: [] }],
  middleware: [anyRole()] as const,
  responses: { 200: json(z.object({ tasks: z.array(TaskSchema) }), 'tasks'), ...problems(401) },
})

const addPrompts = createRoute({
  method: 'post',
  path: '/tasks/{name}/prompts',
  summary: 'Add prompts (with reference answers) to a task',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  request: {
    params: TaskParams,
    body: { required: true, content: { 'application/json': { schema: InsertPromptsBody } } },
  },
  responses: {
    201: json(z.object({ inserted: z.number().int() }), 'inserted'),
    ...problems(400, 401, 403, 404, 413, 415),
  },
})

export const taskView = (t: Task): z.infer<typeof TaskSchema> => ({
  id: t.id,
  name: t.name,
  verifier: t.verifier as Record<string, unknown>,
  groupSize: t.groupSize,
  maxNewTokens: t.maxNewTokens,
  temperature: t.temperature,
  topP: t.topP,
  topK: t.topK,
  scaleRewards: t.scaleRewards,
  leaseSeconds: t.leaseSeconds,
  backpressure: t.backpressure,
  chat: t.chat ?? null,
  createdAt: t.createdAt.toISOString(),
})

/** Messages listed in a 400 for unscorable prompts (every index is listed in `indexes`). */
export const MAX_PROMPT_ERRORS = 100

/**
 * Tasks found by name, per app, for TASK_CACHE_MS: a task is never changed once created (nor deleted by the API),
 * so leasing need not read it on every request. Unknown names are not cached (a task created meanwhile is found).
 */
const TASK_CACHE_MS = 10_000
const taskCaches = new WeakMap<EdgeDeps, Map<string, { task: Task; at: number }>>()

export async function requireTask(c: Context<AppEnv>, name: string): Promise<Task> {
  let cache = taskCaches.get(c.var.deps)
  if (!cache) taskCaches.set(c.var.deps, (cache = new Map()))
  const hit = cache.get(name)
  if (hit && performance.now() - hit.at < TASK_CACHE_MS) return hit.task
  const task = await getTaskByName(dbOf(c), name)
  if (!task) throw new ProblemError(404, `no task named "${name}"`)
  if (cache.size >= 1000) cache.clear()
  cache.set(name, { task, at: performance.now() })
  return task
}

export const taskRoutes = router()
  .openapi(create, async (c) => {
    const body = c.req.valid('json')
    const task = await createTask(dbOf(c), body)
    if (!task) throw new ProblemError(409, `a task named "${body.name}" exists`)
    return c.json(taskView(task), 201)
  })
  .openapi(list, async (c) => c.json({ tasks: (await listTasks(dbOf(c))).map(taskView) }, 200))
  .openapi(addPrompts, async (c) => {
    const task = await requireTask(c, c.req.valid('param').name)
    const { prompts } = c.req.valid('json')
    const bad = await unscorablePrompts(task.verifier, prompts)
    if (bad.size > 0) {
      const indexes = [...bad.keys()]
      const shown = indexes.slice(0, 20).join(', ') + (indexes.length > 20 ? ', …' : '')
      throw new ProblemError(400, `${bad.size} of ${prompts.length} prompts cannot be scored by task "${task.name}"'s verifier (indexes ${shown}); nothing was stored`, {
        indexes,
        errors: indexes.slice(0, MAX_PROMPT_ERRORS).map((i) => ({ path: `prompts.${i}.answer`, message: bad.get(i)! })),
      })
    }
    const inserted = await insertPrompts(
      dbOf(c),
      task.id,
      prompts.map((p) => ({ text: p.prompt, answer: p.answer, metadata: p.metadata })),
    )
    return c.json({ inserted }, 201)
  })
