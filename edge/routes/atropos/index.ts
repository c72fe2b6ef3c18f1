/**
 * Atropos' wire protocol under /atropos, so its environments and trainers move over by changing a base URL, with
 * what Atropos lacked: state in Postgres, Bearer keys, validation and problem+json errors.
 *   POST /register            learner  a trainer's run settings → { uuid }
 *   POST /register-env        worker   an environment → { status, env_id, wandb_name, checkpoint_dir, … }
 *   POST /disconnect-env      worker   { env_id } → { status }
 *   POST /scored_data         worker   one ScoredData group → { status: "received" }
 *   POST /scored_data_list    worker   [ScoredData] (all or none) → { status, groups_processed }
 *   GET  /batch               learner  { batch: [ScoredData…] summing to batch_size sequences | null }, each once
 *   GET  /status, /info, /wandb_info   any key
 *   GET  /status-env          worker   env_id as a query parameter or a JSON body (Atropos sends a GET body)
 * Keys: `Authorization: Bearer <key>`, or, for clients that send no headers, in the base URL:
 * /atropos/k/<key>/… (mounted by app.ts; such URLs end up in access logs — prefer the header where you can).
 */
import type { Context } from 'hono'
import { Hono } from 'hono'
import type { z } from 'zod'
import {
  atroposQueue,
  currentRun,
  disconnectEnv,
  getEnv,
  latestModel,
  listEnvs,
  loadAtroposGroups,
  registerEnv,
  registerRun,
  storeAtroposGroups,
  takeAtroposBatch,
  type AtroposRun,
} from '../../../schema/index.js'
import { dbOf, type AppEnv } from '../../env.js'
import { anyRole, auth } from '../../middleware/index.js'
import { ProblemError } from '../../problem.js'
import { EnvIdentifier, Registration, RegisterEnv, ScoredData, ScoredDataList, type ScoredDataBody } from './schemas.js'
import { toGroup, toScoredData } from './scored.js'

/** Atropos' floor on an environment's share of a batch. */
const MIN_ENV_WEIGHT = 0.01

function parse<S extends z.ZodType>(schema: S, value: unknown, what = 'json'): z.infer<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const errors = r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }))
  throw new ProblemError(400, `invalid ${what}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`.slice(0, 2000), {
    errors: errors.slice(0, 100),
  })
}

async function body(c: Context<AppEnv>): Promise<unknown> {
  try {
    return await c.req.json()
  } catch {
    throw new ProblemError(400, 'the body is not valid JSON')
  }
}

async function requireRun(c: Context<AppEnv>): Promise<AtroposRun> {
  const run = await currentRun(dbOf(c))
  if (!run) throw new ProblemError(409, 'no trainer has registered yet: POST /atropos/register first')
  return run
}

/** A 128-bit random integer, written as a JSON number as Atropos' uuid4().int is. */
function uuidInt(): string {
  const b = crypto.getRandomValues(new Uint8Array(16))
  return BigInt('0x' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')).toString()
}

/** env_id from `?env_id=`, the request body, or (Node) the GET body the platform's Request dropped. */
async function envIdOf(c: Context<AppEnv>): Promise<number> {
  const q = c.req.query('env_id')
  if (q !== undefined) return parse(EnvIdentifier, { env_id: Number(q) }, 'query').env_id
  let raw: string | undefined
  if (c.req.raw.body) raw = await c.req.text()
  else {
    const incoming = (c.env as { incoming?: AsyncIterable<Uint8Array> & { readableEnded?: boolean } } | undefined)?.incoming
    if (incoming && !incoming.readableEnded) {
      const parts: Uint8Array[] = []
      let size = 0
      for await (const p of incoming) {
        size += p.byteLength
        if (size > 4096) throw new ProblemError(413, 'a /status-env body is { "env_id": n }')
        parts.push(p)
      }
      raw = Buffer.concat(parts).toString('utf8')
    }
  }
  if (!raw) throw new ProblemError(400, 'send env_id as a query parameter (?env_id=) or a JSON body')
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw new ProblemError(400, 'the body is not valid JSON')
  }
  return parse(EnvIdentifier, value).env_id
}

async function store(c: Context<AppEnv>, items: ScoredDataBody[]): Promise<number> {
  const db = dbOf(c)
  const envs = new Map<number, Awaited<ReturnType<typeof getEnv>>>()
  for (const [i, d] of items.entries()) {
    const at = items.length > 1 ? `[${i}] ` : ''
    if (d.env_id === undefined || d.env_id === null)
      throw new ProblemError(400, `${at}env_id is required: register the environment (POST /atropos/register-env) and send its env_id`)
    if (!envs.has(d.env_id)) envs.set(d.env_id, await getEnv(db, d.env_id))
    const env = envs.get(d.env_id)
    if (!env) throw new ProblemError(400, `${at}no environment with env_id ${d.env_id}`)
    // an environment may size one group differently through group_overrides.group_size (as Atropos' envs do)
    const override = d.group_overrides?.group_size
    const size = Number.isInteger(override) && (override as number) >= 1 ? (override as number) : env.groupSize
    if (d.tokens.length !== size)
      throw new ProblemError(400, `${at}environment ${env.realName} sends groups of ${size}${size === override ? ' (group_overrides.group_size)' : ''}; this one has ${d.tokens.length} sequences`)
  }
  const version = (await latestModel(db))?.version ?? 0
  await storeAtroposGroups(
    db,
    items.map((d) => toGroup(d, envs.get(d.env_id!)!.taskId, version)),
  )
  return items.length
}

export const atroposRoutes = new Hono<AppEnv>()
  .get('/', (c) => c.json({ message: 'AtroposLib API' }))
  .post('/register', auth('learner', 'admin'), async (c) => {
    const r = parse(Registration, await body(c))
    await registerRun(dbOf(c), {
      wandbGroup: r.wandb_group,
      wandbProject: r.wandb_project,
      batchSize: r.batch_size,
      maxTokenLen: r.max_token_len,
      checkpointDir: r.checkpoint_dir,
      saveCheckpointInterval: r.save_checkpoint_interval,
      startingStep: r.starting_step,
      numSteps: r.num_steps,
    })
    return c.body(`{"uuid":${uuidInt()}}`, 200, { 'content-type': 'application/json' })
  })
  .post('/register-env', auth('worker', 'admin'), async (c) => {
    const e = parse(RegisterEnv, await body(c))
    const run = await currentRun(dbOf(c))
    if (!run?.started) return c.json({ status: 'wait for trainer to start' })
    const env = await registerEnv(dbOf(c), {
      runId: run.id,
      desiredName: e.desired_name,
      maxTokenLength: e.max_token_length,
      weight: e.weight,
      groupSize: e.group_size,
      minBatchAllocation: e.min_batch_allocation ?? null,
    })
    return c.json({
      status: 'success',
      env_id: env.id,
      wandb_name: env.realName,
      checkpoint_dir: run.checkpointDir,
      starting_step: run.currentStep,
      checkpoint_interval: run.saveCheckpointInterval,
      num_steps: run.numSteps,
    })
  })
  .post('/disconnect-env', auth('worker', 'admin'), async (c) => {
    const { env_id } = parse(EnvIdentifier, await body(c))
    if (!(await disconnectEnv(dbOf(c), env_id))) throw new ProblemError(404, `no environment with env_id ${env_id}`)
    return c.json({ status: 'success' })
  })
  .post('/scored_data', auth('worker', 'admin'), async (c) => {
    await store(c, [parse(ScoredData, await body(c))])
    return c.json({ status: 'received' })
  })
  .post('/scored_data_list', auth('worker', 'admin'), async (c) => {
    const n = await store(c, parse(ScoredDataList, await body(c)))
    return c.json({ status: 'received', groups_processed: n })
  })
  .get('/batch', auth('learner', 'admin'), async (c) => {
    const run = await requireRun(c)
    const db = dbOf(c)
    const taken = await takeAtroposBatch(db, run.id)
    if (!taken) return c.json({ batch: null })
    const groups = await loadAtroposGroups(db, taken.groupIds)
    return c.json({ batch: groups.map(toScoredData) })
  })
  .get('/status', anyRole(), async (c) => {
    const db = dbOf(c)
    const run = await currentRun(db)
    const queue = await atroposQueue(db)
    return c.json({ current_step: run?.currentStep ?? 0, queue_size: queue.groups })
  })
  .get('/info', anyRole(), async (c) => {
    const run = await currentRun(dbOf(c))
    return c.json(run ? { batch_size: run.batchSize, max_token_len: run.maxTokenLen } : { batch_size: -1, max_token_len: -1 })
  })
  .get('/wandb_info', anyRole(), async (c) => {
    const run = await currentRun(dbOf(c))
    return c.json({ group: run?.wandbGroup ?? null, project: run?.wandbProject ?? null, zmq_port: null })
  })
  .get('/status-env', auth('worker', 'admin'), async (c) => {
    const envId = await envIdOf(c)
    const db = dbOf(c)
    const run = await requireRun(c)
    const envs = await listEnvs(db, run.id)
    const env = envs.find((e) => e.id === envId)
    if (!env) throw new ProblemError(404, `no environment with env_id ${envId} in the current run`)
    const connected = envs.filter((e) => e.connected)
    const total = connected.reduce((s, e) => s + e.maxTokenLength * Math.max(0, e.weight), 0)
    const weight = Math.max(MIN_ENV_WEIGHT, total > 0 ? (env.maxTokenLength * env.weight) / total : 1)
    const minAlloc = connected.reduce((s, e) => s + (e.minBatchAllocation ?? 0), 0)
    const queue = await atroposQueue(db)
    const own = queue.byTask.get(env.taskId)
    const maxGroupSize = Math.max(1, ...[...queue.byTask.values()].map((q) => q.maxGroupSize))
    const groupSize = Math.max(env.groupSize, own?.maxGroupSize ?? 0)
    const sequences = [...queue.byTask.values()].reduce((s, q) => s + q.sequences, 0)
    return c.json({
      current_step: run.currentStep,
      queue_size: Math.floor(sequences / groupSize),
      unallocated_fraction: 1 - Math.min(minAlloc, 1),
      self_queue_size: Math.floor((own?.sequences ?? 0) / groupSize),
      max_group_size: maxGroupSize,
      env_weight: weight,
    })
  })
