/**
 * Groups: store verified groups and their completions for leases, idempotently, in ONE statement per call however
 * many groups it carries (one round trip; no ORM work per array element). Inputs travel as one JSON parameter,
 * token ids / log-probs inside it as base64 of the packed bytes (common/packed.ts), decoded by Postgres.
 * Each lease row is locked (FOR UPDATE, in lease-id order) so racing submissions serialise: the first stores, the
 * second re-reads the lease with `submitted_hash` set and gets the same group (same body) or a conflict (another
 * body). groups.lease_id is unique as a second guard. Each group is decided on its own. Nothing is stored for a
 * revoked or expired key (every outcome is then 'dead_key'); a revocation also ends the key's open leases, so one
 * that commits while this statement waits for a lease lock leaves that lease expired here.
 */
import { asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { packFloat32, packInt32, toBase64 } from '../../common/packed.js'
import { apiKeys, completions, groups, leases, prompts, type Completion, type Group } from '../schema.js'
import { preparedRows } from './rows.js'

export type GroupStatus = Group['status']

export interface NewCompletion {
  text: string
  /** token ids, or their packed bytes (little-endian int32, common/packed.ts) */
  tokenIds?: number[] | Uint8Array | null
  /** log-probs, or their packed bytes (little-endian float32) */
  logprobs?: number[] | Uint8Array | null
  finishReason?: Completion['finishReason']
  reward: number | null
  details: Record<string, unknown>
}

/** One lease's group for storeGroups. */
export interface StoreGroupItem {
  leaseId: number
  /** the idempotency key: a hash of what was submitted (edge: submissionHash) */
  bodyHash: string
  policyVersion: number
  status: GroupStatus
  rewardMean: number | null
  rewardStd: number | null
  completions: NewCompletion[]
  flags?: Record<string, unknown>
}

export interface SubmitGroupArgs extends StoreGroupItem {
  workerKeyId: number
}

export type SubmitOutcome =
  | { kind: 'created' | 'replayed'; groupId: number }
  | { kind: 'not_found' | 'forbidden' | 'conflict' | 'expired' | 'dead_key' }

const b64 = (xs: number[] | Uint8Array | null | undefined, pack: (xs: number[]) => Uint8Array) =>
  xs ? toBase64(xs instanceof Uint8Array ? xs : pack(xs)) : null

/** The JSON parameter of storeGroups: short keys, packed arrays. */
function storeInput(a: StoreGroupItem) {
  return {
    lease: a.leaseId,
    hash: a.bodyHash,
    pv: a.policyVersion,
    status: a.status,
    mean: a.rewardMean,
    std: a.rewardStd,
    flags: a.flags ?? {},
    c: a.completions.map((c) => ({
      text: c.text,
      t: b64(c.tokenIds, packInt32),
      l: b64(c.logprobs, packFloat32),
      f: c.finishReason ?? null,
      r: c.reward,
      d: c.details,
    })),
  }
}

/**
 * Store several leases' groups (all for one worker key) in one statement; outcomes in input order. A lease that
 * is unknown, another worker's, expired or already used gets its outcome and stores nothing; the others store.
 */
export async function storeGroups(db: Db, workerKeyId: number, items: StoreGroupItem[]): Promise<SubmitOutcome[]> {
  if (items.length === 0) return []
  if (new Set(items.map((i) => i.leaseId)).size !== items.length) throw new RangeError('storeGroups: a lease appears twice')
  const input = JSON.stringify(items.map(storeInput))
  const got = await preparedRows<{
    lease_id: number
    worker_key_id: number
    submitted_hash: string | null
    group_id: number | null
    expired: boolean
    new_group_id: number | null
    key_live: boolean
  }>(
    db,
    sql`
    WITH k AS (
      SELECT EXISTS (SELECT 1 FROM ${apiKeys} WHERE id = ${workerKeyId} AND revoked_at IS NULL
                     AND (expires_at IS NULL OR expires_at > now())) AS live
    ), input AS (
      SELECT * FROM jsonb_to_recordset(${input}::jsonb)
        AS x(lease int, hash text, pv int, status group_status, mean float8, std float8, flags jsonb, c jsonb)
    ), l AS (
      SELECT le.id AS lease_id, le.worker_key_id, le.task_id, le.prompt_id, le.submitted_hash, le.group_id,
             le.expires_at < now() AS expired
      FROM ${leases} le JOIN input ON input.lease = le.id
      ORDER BY le.id
      FOR UPDATE OF le
    ), g AS (
      INSERT INTO ${groups} (task_id, prompt_id, lease_id, policy_version, status, reward_mean, reward_std, flags)
      SELECT l.task_id, l.prompt_id, l.lease_id, input.pv, input.status, input.mean, input.std, input.flags
      FROM l JOIN input ON input.lease = l.lease_id
      WHERE l.worker_key_id = ${workerKeyId} AND l.submitted_hash IS NULL AND NOT l.expired AND (SELECT live FROM k)
      ON CONFLICT (lease_id) DO NOTHING
      RETURNING id, lease_id, prompt_id
    ), c AS (
      INSERT INTO ${completions} (group_id, index, text, token_ids, logprobs, finish_reason, reward, details)
      SELECT g.id, (e.o - 1)::int, e.v->>'text', decode(e.v->>'t', 'base64'), decode(e.v->>'l', 'base64'),
             (e.v->>'f')::finish_reason, (e.v->>'r')::float8, e.v->'d'
      FROM g JOIN input ON input.lease = g.lease_id, jsonb_array_elements(input.c) WITH ORDINALITY AS e(v, o)
    ), u AS (
      UPDATE ${leases} le SET submitted_hash = input.hash, group_id = g.id
      FROM g JOIN input ON input.lease = g.lease_id
      WHERE le.id = g.lease_id
    ), p AS (
      UPDATE ${prompts} p SET leased_until = NULL FROM g WHERE p.id = g.prompt_id
    )
    SELECT l.lease_id, l.worker_key_id, l.submitted_hash, l.group_id, l.expired, g.id AS new_group_id, k.live AS key_live
    FROM l LEFT JOIN g ON g.lease_id = l.lease_id, k`,
  )
  if (got.length && !got[0].key_live) return items.map(() => ({ kind: 'dead_key' }))
  const byLease = new Map(got.map((r) => [r.lease_id, r]))
  return items.map((a): SubmitOutcome => {
    const r = byLease.get(a.leaseId)
    if (!r) return { kind: 'not_found' }
    if (r.new_group_id !== null) return { kind: 'created', groupId: r.new_group_id }
    if (r.worker_key_id !== workerKeyId) return { kind: 'forbidden' }
    if (r.submitted_hash !== null)
      return r.submitted_hash === a.bodyHash && r.group_id !== null ? { kind: 'replayed', groupId: r.group_id } : { kind: 'conflict' }
    if (r.expired) return { kind: 'expired' }
    return { kind: 'conflict' } // a group already exists for this lease (the unique guard)
  })
}

/** One lease's group (storeGroups with one item). */
export async function submitGroup(db: Db, args: SubmitGroupArgs): Promise<SubmitOutcome> {
  const [out] = await storeGroups(db, args.workerKeyId, [args])
  return out
}

export interface GroupResult {
  id: number
  status: GroupStatus
  policyVersion: number
  /** Rewards in completion order (null: pending or failed). */
  rewards: (number | null)[]
}

export async function getGroupResult(db: Db, groupId: number): Promise<GroupResult | null> {
  const [group] = await db
    .select({ id: groups.id, status: groups.status, policyVersion: groups.policyVersion })
    .from(groups)
    .where(eq(groups.id, groupId))
  if (!group) return null
  const rs = await db
    .select({ reward: completions.reward })
    .from(completions)
    .where(eq(completions.groupId, groupId))
    .orderBy(asc(completions.index))
  return { ...group, rewards: rs.map((r) => r.reward) }
}
