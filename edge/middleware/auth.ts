/**
 * auth(...roles): requires `Authorization: Bearer <key>` (or a key the route took from its path, `c.var.pathKey`); an unknown, revoked or expired key → 401 (checked on
 * every request against the database, so a revocation holds at once), a key of another role → 403.
 * Keys are looked up by sha256; the bootstrap admin key from the config is accepted without a row.
 * `last_used_at` is refreshed at most once a minute per key.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { findKeyByHash, hashKey, touchKey, type Role } from '../../schema/index.js'
import { dbOf, type AppEnv, type Caller } from '../env.js'
import { ProblemError } from '../problem.js'

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** sha256 of the bootstrap admin key, computed once per distinct key. */
const adminHashes = new Map<string, Promise<string>>()
const adminHash = (key: string) => {
  let h = adminHashes.get(key)
  if (!h) adminHashes.set(key, (h = hashKey(key)))
  return h
}

const BOOTSTRAP: Caller = { id: null, role: 'admin', limits: { leasesPerMinute: null, submissionsPerMinute: null }, quota: null }
const TOUCH_EVERY_S = 60

async function storedCaller(c: Context<AppEnv>, hash: string): Promise<Caller | null> {
  const row = await findKeyByHash(dbOf(c), hash)
  if (!row) return null
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > TOUCH_EVERY_S * 1000)
    await touchKey(dbOf(c), row.id, TOUCH_EVERY_S)
  return {
    id: row.id,
    role: row.role,
    limits: { leasesPerMinute: row.leasesPerMinute, submissionsPerMinute: row.submissionsPerMinute },
    quota: row.quota,
  }
}

export function auth(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.var.pathKey ?? BEARER.exec(c.req.header('authorization') ?? '')?.[1]
    if (!key)
      throw new ProblemError(401, 'missing bearer key: send "Authorization: Bearer <key>"', {
        headers: { 'www-authenticate': 'Bearer' },
      })
    const hash = await hashKey(key)
    const admin = c.var.deps.config.adminKey
    const caller = admin !== undefined && hash === (await adminHash(admin)) ? BOOTSTRAP : await storedCaller(c, hash)
    if (!caller)
      throw new ProblemError(401, 'unknown, revoked or expired key', { headers: { 'www-authenticate': 'Bearer' } })
    if (roles.length > 0 && !roles.includes(caller.role))
      throw new ProblemError(403, `this route needs a key with role ${roles.join(' or ')}; yours is ${caller.role}`)
    c.set('caller', caller)
    await next()
  }
}

/** Every role: for routes any valid key may call. */
export const anyRole = () => auth()
