/** API keys: generate (shown once), store the sha256 only, look up by hash. */
import { and, eq, isNull } from 'drizzle-orm'
import { randomToken, sha256Hex } from '../crypto.js'
import type { Db } from '../pg.js'
import { apiKeys, type ApiKey } from '../schema.js'

export type Role = ApiKey['role']
export const ROLES = ['admin', 'worker', 'rater', 'learner'] as const satisfies readonly Role[]

/** Characters of a key kept for display (`ck_worker_AbCd…`). */
const PREFIX_CHARS = 14

export const hashKey = (key: string) => sha256Hex(key)

export function newKey(role: Role): string {
  return `ck_${role}_${randomToken(32)}`
}

export interface CreatedKey {
  id: number
  key: string
  prefix: string
  role: Role
}

/** Create a key for `role`; the plaintext is returned once and never stored. */
export async function createKey(db: Db, role: Role, label?: string): Promise<CreatedKey> {
  const key = newKey(role)
  const row = await insertKey(db, key, role, label)
  return { id: row.id, key, prefix: row.prefix, role }
}

/** Register a given key (e.g. COHORT_ADMIN_KEY) if it is not there yet; returns its row. */
export async function ensureKey(db: Db, key: string, role: Role, label?: string): Promise<ApiKey> {
  const existing = await findKeyByHash(db, await hashKey(key))
  return existing ?? insertKey(db, key, role, label)
}

async function insertKey(db: Db, key: string, role: Role, label?: string): Promise<ApiKey> {
  const [row] = await db
    .insert(apiKeys)
    .values({ keyHash: await hashKey(key), prefix: key.slice(0, PREFIX_CHARS), role, label })
    .returning()
  return row
}

/** The live (not revoked) key with this hash, or null. */
export async function findKeyByHash(db: Db, keyHash: string): Promise<ApiKey | null> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1)
  return row ?? null
}

export async function revokeKey(db: Db, id: number): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id })
  return rows.length > 0
}
