/**
 * Cohort's Postgres schema (drizzle-orm). One module: each table is followed by its relations and row type.
 * Migrations are generated from this file by `drizzle-kit generate` into schema/migrations/ (committed).
 *
 * Lifecycle of the queue:
 *   prompts ──lease──▶ leases ──submit──▶ groups (+ completions) ──claim──▶ learner ──▶ trained | stale | discarded
 * groups.status: pending (awaiting human ratings) | verify_failed (hosted verifier failed; retried) | ready |
 *                claimed | trained | stale | discarded
 */
import { relations, sql } from 'drizzle-orm'
import {
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { packFloat32, packInt32, unpackFloat32, unpackInt32 } from '../common/packed.js'

const id = () => serial('id').primaryKey()
const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })
/** number[] stored as bytea: little-endian int32 / float32 (common/packed.ts); readers get number[] back. */
const packedInt32 = customType<{ data: number[]; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: packInt32,
  fromDriver: unpackInt32,
})
const packedFloat32 = customType<{ data: number[]; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: packFloat32,
  fromDriver: unpackFloat32,
})

export const keyRole = pgEnum('key_role', ['admin', 'worker', 'rater', 'learner'])
export const groupStatus = pgEnum('group_status', [
  'pending',
  'verify_failed',
  'ready',
  'claimed',
  'trained',
  'stale',
  'discarded',
])
export const scaleRewards = pgEnum('scale_rewards', ['group', 'batch', 'none'])
export const finishReason = pgEnum('finish_reason', ['stop', 'length'])
/** lease: submitted by a rollout worker for a lease (Cohort's learner and /v1/batches); atropos: POSTed to /atropos */
export const groupSource = pgEnum('group_source', ['lease', 'atropos'])
export const batchStatus = pgEnum('batch_status', ['open', 'completed', 'released', 'expired'])
export const modelFormat = pgEnum('model_format', ['onnx', 'safetensors'])

// ── api_keys ─────────────────────────────────────────────────────────────────────────────────────────────────
/**
 * Bearer keys. Only the sha256 (hex) of a key is stored; `prefix` is its first characters, for display.
 * A key is live while `revokedAt` is null and `expiresAt` is null or ahead. Limits: null = unlimited.
 */
export const apiKeys = pgTable('api_keys', {
  id: id(),
  keyHash: text('key_hash').notNull().unique(),
  prefix: text('prefix').notNull(),
  role: keyRole('role').notNull(),
  label: text('label'),
  createdAt: createdAt(),
  revokedAt: ts('revoked_at'),
  expiresAt: ts('expires_at'),
  /** Refreshed by the auth middleware at most once a minute per key. */
  lastUsedAt: ts('last_used_at'),
  /** POST /v1/leases allowed per minute (429 beyond). */
  leasesPerMinute: integer('leases_per_minute'),
  /** Group submissions and ratings allowed per minute (429 beyond). */
  submissionsPerMinute: integer('submissions_per_minute'),
  /** Group submissions plus ratings this key may make in its lifetime (403 once used). */
  quota: integer('quota'),
  /** The invitation the key was made from (null: made by an admin). */
  inviteId: integer('invite_id').references(() => invites.id),
})
export const apiKeysRelations = relations(apiKeys, ({ one, many }) => ({
  invite: one(invites, { fields: [apiKeys.inviteId], references: [invites.id] }),
  leases: many(leases),
  ratings: many(ratings),
}))
export type ApiKey = typeof apiKeys.$inferSelect

// ── invites ──────────────────────────────────────────────────────────────────────────────────────────────────
/**
 * An invitation: a code (sha256 stored, like keys) that `POST /v1/join` exchanges for a new worker or rater key,
 * up to `uses` times until `expiresAt`. The keys it makes get its limits and quota.
 */
export const invites = pgTable('invites', {
  id: id(),
  codeHash: text('code_hash').notNull().unique(),
  prefix: text('prefix').notNull(),
  role: keyRole('role').notNull(),
  label: text('label'),
  uses: integer('uses').notNull(),
  used: integer('used').notNull().default(0),
  expiresAt: ts('expires_at'),
  leasesPerMinute: integer('leases_per_minute'),
  submissionsPerMinute: integer('submissions_per_minute'),
  quota: integer('quota'),
  createdAt: createdAt(),
})
export const invitesRelations = relations(invites, ({ many }) => ({ keys: many(apiKeys) }))
export type Invite = typeof invites.$inferSelect

// ── rate_windows ─────────────────────────────────────────────────────────────────────────────────────────────
/** Per-key request counts in one-minute windows: the rate limiter of the Workers edge (Node counts in process). */
export const rateWindows = pgTable(
  'rate_windows',
  {
    bucket: text('bucket').notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] })],
)

/** A task's chat option: prompts become [system?, user] messages (workers and the learner render them alike). */
export interface TaskChat {
  /** system message before the user's prompt */
  system?: string
}

// ── tasks ────────────────────────────────────────────────────────────────────────────────────────────────────
/** A task: its verifier spec (JSON validated by verifiers/`verifierSpec`), group size and generation limits. */
export const tasks = pgTable('tasks', {
  id: id(),
  name: text('name').notNull().unique(),
  verifier: jsonb('verifier').notNull(),
  groupSize: integer('group_size').notNull(),
  maxNewTokens: integer('max_new_tokens').notNull(),
  temperature: real('temperature').notNull(),
  topP: real('top_p').notNull(),
  topK: integer('top_k').notNull(),
  /** Advantage normalisation the learner uses (common/advantages.ts). */
  scaleRewards: scaleRewards('scale_rewards').notNull().default('group'),
  /** Seconds a worker has to submit a group for a lease. */
  leaseSeconds: integer('lease_seconds').notNull(),
  /**
   * Hold workers back (POST /v1/leases → 503 + Retry-After) while the queue already holds more than the learner
   * can train before those rollouts would go stale. Inactive while no learner is training. Off: never held.
   */
  backpressure: boolean('backpressure').notNull().default(true),
  /** Render prompts as chat messages with the model's chat template (null: the prompt text as is). */
  chat: jsonb('chat').$type<TaskChat>(),
  createdAt: createdAt(),
})
export const tasksRelations = relations(tasks, ({ many }) => ({
  prompts: many(prompts),
  groups: many(groups),
}))
export type Task = typeof tasks.$inferSelect

// ── prompts ──────────────────────────────────────────────────────────────────────────────────────────────────
/**
 * A prompt and its reference answer. Leasing picks the least-leased prompt in a random order (`shuffle` is
 * redrawn at every lease, so each pass over the task is a fresh permutation) among those not leased right now.
 */
export const prompts = pgTable(
  'prompts',
  {
    id: id(),
    taskId: integer('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    /** The reference answer: never sent to a worker or rater. */
    answer: text('answer'),
    metadata: jsonb('metadata').notNull().default({}),
    timesLeased: integer('times_leased').notNull().default(0),
    shuffle: doublePrecision('shuffle').notNull().default(sql`random()`),
    /** Expiry of the open lease on this prompt (null: free). */
    leasedUntil: ts('leased_until'),
    createdAt: createdAt(),
  },
  (t) => [index('prompts_lease_pick_idx').on(t.taskId, t.timesLeased, t.shuffle)],
)
export const promptsRelations = relations(prompts, ({ one, many }) => ({
  task: one(tasks, { fields: [prompts.taskId], references: [tasks.id] }),
  leases: many(leases),
  groups: many(groups),
}))
export type Prompt = typeof prompts.$inferSelect

// ── leases ───────────────────────────────────────────────────────────────────────────────────────────────────
/** A prompt handed to one worker key until `expiresAt`; `submittedHash` makes group submission idempotent. */
export const leases = pgTable(
  'leases',
  {
    id: id(),
    promptId: integer('prompt_id')
      .notNull()
      .references(() => prompts.id, { onDelete: 'cascade' }),
    taskId: integer('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    workerKeyId: integer('worker_key_id')
      .notNull()
      .references(() => apiKeys.id),
    /** The newest published model version when the lease was taken (0: none yet). */
    modelVersion: integer('model_version').notNull(),
    expiresAt: ts('expires_at').notNull(),
    /** sha256 of the canonical submitted body (null until a group is stored). */
    submittedHash: text('submitted_hash'),
    groupId: integer('group_id'),
    createdAt: createdAt(),
  },
  (t) => [index('leases_expires_idx').on(t.expiresAt)],
)
export const leasesRelations = relations(leases, ({ one }) => ({
  prompt: one(prompts, { fields: [leases.promptId], references: [prompts.id] }),
  task: one(tasks, { fields: [leases.taskId], references: [tasks.id] }),
  worker: one(apiKeys, { fields: [leases.workerKeyId], references: [apiKeys.id] }),
  group: one(groups, { fields: [leases.groupId], references: [groups.id] }),
}))
export type Lease = typeof leases.$inferSelect

// ── groups ───────────────────────────────────────────────────────────────────────────────────────────────────
/** G scored completions of one prompt, generated by one policy version; the learner's unit of work. */
export const groups = pgTable(
  'groups',
  {
    id: id(),
    taskId: integer('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    /** null for Atropos groups (their prompt is inside the token sequences) */
    promptId: integer('prompt_id').references(() => prompts.id, { onDelete: 'cascade' }),
    /** null for Atropos groups */
    leaseId: integer('lease_id')
      .unique()
      .references(() => leases.id),
    source: groupSource('source').notNull().default('lease'),
    policyVersion: integer('policy_version').notNull(),
    status: groupStatus('status').notNull(),
    claimedBy: text('claimed_by'),
    claimExpiresAt: ts('claim_expires_at'),
    trainedStep: integer('trained_step'),
    /** Mean and Bessel-corrected std of the rewards (null until every completion is scored). */
    rewardMean: doublePrecision('reward_mean'),
    rewardStd: doublePrecision('reward_std'),
    flags: jsonb('flags').notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('groups_ready_idx')
      .on(t.createdAt, t.id)
      .where(sql`${t.status} = 'ready'`),
    index('groups_status_idx').on(t.status),
    index('groups_policy_idx').on(t.policyVersion),
  ],
)
export const groupsRelations = relations(groups, ({ one, many }) => ({
  task: one(tasks, { fields: [groups.taskId], references: [tasks.id] }),
  prompt: one(prompts, { fields: [groups.promptId], references: [prompts.id] }),
  lease: one(leases, { fields: [groups.leaseId], references: [leases.id] }),
  completions: many(completions),
}))
export type Group = typeof groups.$inferSelect

// ── completions ──────────────────────────────────────────────────────────────────────────────────────────────
/**
 * One sampled answer. `logprobs[k]` is log-softmax(logits / temperature)[tokenIds[k]] before top-k/top-p
 * truncation (the TRL convention; the same everywhere in Cohort). Both are packed bytea (4 bytes per token).
 */
export const completions = pgTable(
  'completions',
  {
    id: id(),
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    index: integer('index').notNull(),
    text: text('text').notNull(),
    tokenIds: packedInt32('token_ids'),
    logprobs: packedFloat32('logprobs'),
    /** Atropos groups: per-token labels, -100 where not trained, else the token id (tokenIds then hold the prompt too) */
    masks: packedInt32('masks'),
    finishReason: finishReason('finish_reason'),
    /** null while pending (human ratings) or when the verifier failed. */
    reward: doublePrecision('reward'),
    details: jsonb('details').notNull().default({}),
  },
  (t) => [uniqueIndex('completions_group_index_idx').on(t.groupId, t.index)],
)
export const completionsRelations = relations(completions, ({ one, many }) => ({
  group: one(groups, { fields: [completions.groupId], references: [groups.id] }),
  ratings: many(ratings),
}))
export type Completion = typeof completions.$inferSelect

// ── ratings ──────────────────────────────────────────────────────────────────────────────────────────────────
/** A human rater's score of one completion (human verifier); one per (completion, rater). */
export const ratings = pgTable(
  'ratings',
  {
    id: id(),
    completionId: integer('completion_id')
      .notNull()
      .references(() => completions.id, { onDelete: 'cascade' }),
    raterKeyId: integer('rater_key_id')
      .notNull()
      .references(() => apiKeys.id),
    score: real('score').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('ratings_completion_rater_idx').on(t.completionId, t.raterKeyId)],
)
export const ratingsRelations = relations(ratings, ({ one }) => ({
  completion: one(completions, { fields: [ratings.completionId], references: [completions.id] }),
  rater: one(apiKeys, { fields: [ratings.raterKeyId], references: [apiKeys.id] }),
}))
export type Rating = typeof ratings.$inferSelect

// ── model_versions ───────────────────────────────────────────────────────────────────────────────────────────
/** A published policy: artifacts (ONNX graphs, safetensors, config, tokenizer) content-addressed by sha256. */
export const modelVersions = pgTable('model_versions', {
  id: id(),
  version: integer('version').notNull().unique(),
  step: integer('step').notNull(),
  artifactUri: text('artifact_uri').notNull(),
  sha256: text('sha256').notNull(),
  /** { [relative path]: { sha256, bytes } } */
  files: jsonb('files').notNull().default({}),
  /** onnx: Cohort's graphs (what its rollout workers load); safetensors: HF-layout weights (vLLM, SGLang, trainers) */
  format: modelFormat('format').notNull().default('onnx'),
  metrics: jsonb('metrics').notNull().default({}),
  publishedAt: ts('published_at').notNull().defaultNow(),
  /** when retention (`cohort learn --keep-versions`) deleted its files from the store; null while they are kept */
  prunedAt: ts('pruned_at'),
})
export type ModelVersion = typeof modelVersions.$inferSelect

// ── batches ──────────────────────────────────────────────────────────────────────────────────────────────────
/**
 * A claim of ready groups by an external trainer over HTTP (POST /v1/batches). Its groups are claimed with owner
 * `batch:<id>`, so they follow the learner's claim rules: renew, complete (trained exactly once, with a
 * train_steps row) or release; a claim left to expire returns its groups to the queue (status → expired).
 */
export const batches = pgTable(
  'batches',
  {
    id: id(),
    /** the learner key that claimed it (null: the bootstrap admin key) */
    keyId: integer('key_id').references(() => apiKeys.id),
    status: batchStatus('status').notNull().default('open'),
    groupIds: integer('group_ids').array().notNull(),
    /** the newest published version when claimed (what the trainer should start from) */
    policyVersion: integer('policy_version').notNull(),
    /** set by /complete */
    step: integer('step'),
    closedAt: ts('closed_at'),
    createdAt: createdAt(),
  },
  (t) => [index('batches_status_idx').on(t.status)],
)
export const batchesRelations = relations(batches, ({ one }) => ({
  key: one(apiKeys, { fields: [batches.keyId], references: [apiKeys.id] }),
}))
export type Batch = typeof batches.$inferSelect

// ── train_steps ──────────────────────────────────────────────────────────────────────────────────────────────
/** One row per learner optimisation step (TRL-aligned metric names in `metrics`). */
export const trainSteps = pgTable(
  'train_steps',
  {
    id: id(),
    step: integer('step').notNull(),
    policyVersion: integer('policy_version').notNull(),
    metrics: jsonb('metrics').notNull().default({}),
    groupCount: integer('group_count').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('train_steps_step_idx').on(t.step)],
)
export type TrainStep = typeof trainSteps.$inferSelect

// ── atropos_runs / atropos_envs ──────────────────────────────────────────────────────────────────────────────
/**
 * The Atropos-compatible API's state (edge/routes/atropos), which Atropos kept in memory: a trainer's
 * registration (keyed by wandb_group, so a restarted trainer resumes its run) and the environments registered
 * to it. The scored data itself is stored as groups (source atropos) of one task per environment name.
 */
export const atroposRuns = pgTable('atropos_runs', {
  id: id(),
  wandbGroup: text('wandb_group').notNull().unique(),
  wandbProject: text('wandb_project').notNull(),
  batchSize: integer('batch_size').notNull(),
  maxTokenLen: integer('max_token_len').notNull(),
  checkpointDir: text('checkpoint_dir').notNull(),
  saveCheckpointInterval: integer('save_checkpoint_interval').notNull(),
  startingStep: integer('starting_step').notNull(),
  numSteps: integer('num_steps').notNull(),
  /** advanced by every batch served */
  currentStep: integer('current_step').notNull(),
  /** set by the first GET /batch: environments may register from then on (as in Atropos) */
  started: boolean('started').notNull().default(false),
  /** the newest registration is the current run */
  registeredAt: ts('registered_at').notNull().defaultNow(),
  createdAt: createdAt(),
})
export const atroposRunsRelations = relations(atroposRuns, ({ many }) => ({ envs: many(atroposEnvs) }))
export type AtroposRun = typeof atroposRuns.$inferSelect

export const atroposEnvs = pgTable('atropos_envs', {
  /** the env_id environments send back */
  id: id(),
  runId: integer('run_id')
    .notNull()
    .references(() => atroposRuns.id, { onDelete: 'cascade' }),
  taskId: integer('task_id')
    .notNull()
    .references(() => tasks.id),
  desiredName: text('desired_name').notNull(),
  realName: text('real_name').notNull(),
  maxTokenLength: integer('max_token_length').notNull(),
  weight: doublePrecision('weight').notNull(),
  groupSize: integer('group_size').notNull(),
  minBatchAllocation: doublePrecision('min_batch_allocation'),
  connected: boolean('connected').notNull().default(true),
  createdAt: createdAt(),
})
export const atroposEnvsRelations = relations(atroposEnvs, ({ one }) => ({
  run: one(atroposRuns, { fields: [atroposEnvs.runId], references: [atroposRuns.id] }),
  task: one(tasks, { fields: [atroposEnvs.taskId], references: [tasks.id] }),
}))
export type AtroposEnv = typeof atroposEnvs.$inferSelect
