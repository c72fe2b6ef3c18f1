/**
 * Groups: store verified groups and their completions for leases, idempotently, in ONE statement per call however
 * many groups it carries (one round trip; no ORM work per array element). The small fields travel as two JSON
 * parameters (groups, completions); the completions' texts, token ids and log-probs (packed bytes, common/packed.ts)
 * as three more, each the concatenation of every completion's, sliced by the byte offsets in the completions' JSON:
 * the texts as one text, the packed arrays as base64 of their bytes, each decoded once per statement (an
 * uncorrelated subquery: an InitPlan; a MATERIALIZED CTE measured slower) and in one pass (JSON strings are lexed a
 * character at a time: that lexing was the second-largest part of Postgres' CPU). Base64 is 2/3 of the bytes of
 * bytea's hex and the texts travel as they are: less for the edge to build and write, for Postgres to read.
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
import { hotStatement } from './rows.js'

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

const packed = (xs: number[] | Uint8Array | null | undefined, pack: (xs: number[]) => Uint8Array) =>
  xs ? (xs instanceof Uint8Array ? xs : pack(xs)) : null

/** Concatenated bytes of parts (sent as one base64 text), and each part's 1-based offset in them (for substring). */
class Bytes {
  private parts: Uint8Array[] = []
  private length = 0
  /** the part's [offset, length] (1-based offset), or [null, null] for no part */
  add(b: Uint8Array | null): [number, number] | [null, null] {
    if (!b) return [null, null]
    this.parts.push(b)
    this.length += b.byteLength
    return [this.length - b.byteLength + 1, b.byteLength]
  }
  base64(): string {
    const out = new Uint8Array(this.length)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.byteLength
    }
    return toBase64(out)
  }
}

/** UTF-8 length of a string as the driver encodes it (a lone surrogate becomes U+FFFD: 3 bytes), without encoding it. */
function utf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2 // a pair: 2 code units, 4 bytes
      i++
    } else n += 2 // the rest of the BMP, and a lone surrogate (U+FFFD)
  }
  return n
}

/**
 * storeGroups' parameters: groups and completions as JSON (short keys); the texts as one text (sliced by UTF-8 byte
 * offsets), the token ids and log-probs as base64 of their concatenated bytes — texts travel as they are and packed
 * bytes at 4/3 of their size (bytea travels as hex: twice), and Postgres reads neither a character at a time.
 */
function storeInput(items: StoreGroupItem[]) {
  const texts: string[] = []
  let textBytes = 0
  const tokens = new Bytes(), logprobs = new Bytes()
  const cs: unknown[] = []
  const gs = items.map((a) => {
    a.completions.forEach((c, i) => {
      const xn = utf8Length(c.text)
      const xo = textBytes + 1
      texts.push(c.text)
      textBytes += xn
      const [to, tn] = tokens.add(packed(c.tokenIds, packInt32))
      const [lo, ln] = logprobs.add(packed(c.logprobs, packFloat32))
      cs.push({ lease: a.leaseId, i, xo, xn, to, tn, lo, ln, f: c.finishReason ?? null, r: c.reward, d: c.details })
    })
    return { lease: a.leaseId, hash: a.bodyHash, pv: a.policyVersion, status: a.status, mean: a.rewardMean, std: a.rewardStd, flags: a.flags ?? {} }
  })
  return { groups: JSON.stringify(gs), completions: JSON.stringify(cs), texts: texts.join(''), tokens: tokens.base64(), logprobs: logprobs.base64() }
}

/** storeGroups' statement (built once: hotStatement). */
const storeStatement = hotStatement((a: { workerKeyId: number } & ReturnType<typeof storeInput>) =>
  sql`
      WITH k AS (
        SELECT EXISTS (SELECT 1 FROM ${apiKeys} WHERE id = ${a.workerKeyId} AND revoked_at IS NULL
                       AND (expires_at IS NULL OR expires_at > now())) AS live
      ), input AS (
        SELECT * FROM jsonb_to_recordset(${a.groups}::jsonb)
          AS x(lease int, hash text, pv int, status group_status, mean float8, std float8, flags jsonb)
      ), cin AS (
        SELECT * FROM jsonb_to_recordset(${a.completions}::jsonb)
          AS y(lease int, i int, xo int, xn int, "to" int, tn int, lo int, ln int, f finish_reason, r float8, d jsonb)
      ), l AS (
        SELECT le.id AS lease_id, le.worker_key_id, le.task_id, le.prompt_id, le.submitted_hash, le.group_id,
               le.expires_at < now() AS expired
        FROM ${leases} le JOIN input ON input.lease = le.id
        -- the ids as an array too: an index probe per lease (joined alone, the planner's guess of 100 input rows
        -- made it hash-join a sequential scan of every lease ever taken)
        WHERE le.id = ANY (ARRAY(SELECT lease FROM input))
        ORDER BY le.id
        FOR UPDATE OF le
      ), g AS (
        INSERT INTO ${groups} (task_id, prompt_id, lease_id, policy_version, status, reward_mean, reward_std, flags)
        SELECT l.task_id, l.prompt_id, l.lease_id, input.pv, input.status, input.mean, input.std, input.flags
        FROM l JOIN input ON input.lease = l.lease_id
        WHERE l.worker_key_id = ${a.workerKeyId} AND l.submitted_hash IS NULL AND NOT l.expired AND (SELECT live FROM k)
        ON CONFLICT (lease_id) DO NOTHING
        RETURNING id, lease_id, prompt_id
      ), c AS (
        INSERT INTO ${completions} (group_id, index, text, token_ids, logprobs, finish_reason, reward, details)
        SELECT g.id, cin.i, convert_from(substring((SELECT convert_to(${a.texts}::text, 'UTF8')) FROM cin.xo FOR cin.xn), 'UTF8'),
               substring((SELECT decode(${a.tokens}::text, 'base64')) FROM cin."to" FOR cin.tn),
               substring((SELECT decode(${a.logprobs}::text, 'base64')) FROM cin.lo FOR cin.ln),
               cin.f, cin.r, cin.d
        FROM g JOIN cin ON cin.lease = g.lease_id
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

/**
 * Store several leases' groups (all for one worker key) in one statement; outcomes in input order. A lease that
 * is unknown, another worker's, expired or already used gets its outcome and stores nothing; the others store.
 */
export async function storeGroups(db: Db, workerKeyId: number, items: StoreGroupItem[]): Promise<SubmitOutcome[]> {
  if (items.length === 0) return []
  if (new Set(items.map((i) => i.leaseId)).size !== items.length) throw new RangeError('storeGroups: a lease appears twice')
  const input = storeInput(items)
  const got = await storeStatement<{
    lease_id: number
    worker_key_id: number
    submitted_hash: string | null
    group_id: number | null
    expired: boolean
    new_group_id: number | null
    key_live: boolean
  }>(db, { workerKeyId, ...input })
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
