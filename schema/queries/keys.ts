/**
 * API keys: generate (shown once), store the sha256 only, look up live keys by hash, list with usage, revoke
 * (releasing the key's open leases), and the usage a quota is checked against.
 */
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm'
import { randomToken, sha256Hex } from '../crypto.js'
import type { Db } from '../pg.js'
import { apiKeys, leases, prompts, type ApiKey } from '../schema.js'
import { rows } from './rows.js'

export type Role = ApiKey['role']
export const ROLES = ['admin', 'worker', 'rater', 'learner'] as const satisfies readonly Role[]

/** Characters of a key kept for display (`ck_worker_AbCd…`). */
const PREFIX_CHARS = 14

export const hashKey = (key: string) => sha256Hex(key)

export function newKey(role: Role): string {
  return `ck_${role}_${randomToken(32)}`
}

/** Per-key limits; a missing field is unlimited. */
export interface KeyLimits {
  leasesPerMinute?: number | null
  submissionsPerMinute?: number | null
}

/** What a key is made with besides its role. */
export interface KeyOptions {
  label?: string | null
  expiresAt?: Date | null
  limits?: KeyLimits
  quota?: number | null
  inviteId?: number | null
}

export interface CreatedKey {
  id: number
  key: string
  prefix: string
  role: Role
}

/** Create a key for `role`; the plaintext is returned once and never stored. */
export async function createKey(db: Db, role: Role, opts: KeyOptions | string = {}): Promise<CreatedKey> {
  const key = newKey(role)
  const row = await insertKey(db, key, role, typeof opts === 'string' ? { label: opts } : opts)
  return { id: row.id, key, prefix: row.prefix, role }
}

/** Register a given key (e.g. COHORT_ADMIN_KEY) if it is not there yet; returns its row. */
export async function ensureKey(db: Db, key: string, role: Role, label?: string): Promise<ApiKey> {
  const existing = await findKeyByHash(db, await hashKey(key))
  return existing ?? insertKey(db, key, role, { label })
}

async function insertKey(db: Db, key: string, role: Role, opts: KeyOptions): Promise<ApiKey> {
  const [row] = await db
    .insert(apiKeys)
    .values({
      keyHash: await hashKey(key),
      prefix: key.slice(0, PREFIX_CHARS),
      role,
      label: opts.label ?? null,
      expiresAt: opts.expiresAt ?? null,
      leasesPerMinute: opts.limits?.leasesPerMinute ?? null,
      submissionsPerMinute: opts.limits?.submissionsPerMinute ?? null,
      quota: opts.quota ?? null,
      inviteId: opts.inviteId ?? null,
    })
    .returning()
  return row
}

/** The live key (not revoked, not expired) with this hash, or null. */
export async function findKeyByHash(db: Db, keyHash: string): Promise<ApiKey | null> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.keyHash, keyHash),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
      ),
    )
    .limit(1)
  return row ?? null
}

/** Whether key `id` exists and is neither revoked nor expired. */
export async function isKeyLive(db: Db, id: number): Promise<boolean> {
  const [r] = await rows<{ live: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM ${apiKeys} WHERE id = ${id} AND revoked_at IS NULL
                       AND (expires_at IS NULL OR expires_at > now())) AS live`,
  )
  return r.live
}

/** Set last_used_at = now() unless it was set less than `staleSeconds` ago (one write per key per minute). */
export async function touchKey(db: Db, id: number, staleSeconds = 60): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, id),
        or(isNull(apiKeys.lastUsedAt), sql`${apiKeys.lastUsedAt} < now() - make_interval(secs => ${staleSeconds})`),
      ),
    )
}

export type RevokeOutcome = 'revoked' | 'already_revoked' | 'not_found'

/**
 * Revoke key `id` and, in the same transaction, end its open leases (their prompts are free to lease again at
 * once). Groups it stored stay. Revoking a revoked key changes nothing.
 */
export async function revokeKey(db: Db, id: number): Promise<RevokeOutcome> {
  return db.transaction(async (tx) => {
    const [key] = await tx.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, id)).for('update')
    if (!key) return 'not_found'
    if (key.revokedAt) return 'already_revoked'
    await tx.update(apiKeys).set({ revokedAt: sql`now()` }).where(eq(apiKeys.id, id))
    await rows(
      tx,
      sql`
      WITH open AS (
        UPDATE ${leases} SET expires_at = now()
        WHERE worker_key_id = ${id} AND submitted_hash IS NULL AND expires_at > now()
        RETURNING prompt_id
      )
      UPDATE ${prompts} p SET leased_until = NULL FROM open WHERE p.id = open.prompt_id RETURNING p.id`,
    )
    return 'revoked'
  })
}

export interface KeyListing {
  id: number
  prefix: string
  role: Role
  label: string | null
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date | null
  revokedAt: Date | null
  leasesPerMinute: number | null
  submissionsPerMinute: number | null
  quota: number | null
  inviteId: number | null
  /** Leases taken, groups stored (as a worker), ratings given (as a rater). */
  usage: { leases: number; groups: number; ratings: number }
}

/** Every key with its usage counts (never the key or its hash). */
export async function listKeys(db: Db): Promise<KeyListing[]> {
  const list = await rows<{
    id: number
    prefix: string
    role: Role
    label: string | null
    created_at: Date | string
    last_used_at: Date | string | null
    expires_at: Date | string | null
    revoked_at: Date | string | null
    leases_per_minute: number | null
    submissions_per_minute: number | null
    quota: number | null
    invite_id: number | null
    leases: number | string
    groups: number | string
    ratings: number | string
  }>(
    db,
    sql`
    SELECT k.id, k.prefix, k.role, k.label, k.created_at, k.last_used_at, k.expires_at, k.revoked_at,
           k.leases_per_minute, k.submissions_per_minute, k.quota, k.invite_id,
           (SELECT count(*) FROM leases l WHERE l.worker_key_id = k.id) AS leases,
           (SELECT count(*) FROM leases l WHERE l.worker_key_id = k.id AND l.group_id IS NOT NULL) AS groups,
           (SELECT count(*) FROM ratings r WHERE r.rater_key_id = k.id) AS ratings
    FROM ${apiKeys} k ORDER BY k.id`,
  )
  const date = (v: Date | string | null) => (v === null ? null : new Date(v))
  return list.map((r) => ({
    id: Number(r.id),
    prefix: r.prefix,
    role: r.role,
    label: r.label,
    createdAt: new Date(r.created_at),
    lastUsedAt: date(r.last_used_at),
    expiresAt: date(r.expires_at),
    revokedAt: date(r.revoked_at),
    leasesPerMinute: r.leases_per_minute,
    submissionsPerMinute: r.submissions_per_minute,
    quota: r.quota,
    inviteId: r.invite_id,
    usage: { leases: Number(r.leases), groups: Number(r.groups), ratings: Number(r.ratings) },
  }))
}

/** Groups stored plus ratings given by key `id`: what its quota counts. */
export async function keySubmissions(db: Db, id: number): Promise<number> {
  const [r] = await rows<{ n: number | string }>(
    db,
    sql`SELECT (SELECT count(*) FROM leases WHERE worker_key_id = ${id} AND group_id IS NOT NULL)
             + (SELECT count(*) FROM ratings WHERE rater_key_id = ${id}) AS n`,
  )
  return Number(r.n)
}
