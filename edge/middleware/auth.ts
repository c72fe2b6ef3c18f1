/**
 * auth(...roles): requires `Authorization: Bearer <key>` (or a key the route took from its path, `c.var.pathKey`); an unknown, revoked or expired key → 401 (checked on
 * every request against the database, so a revocation holds at once), a key of another role → 403.
 * Keys are looked up by sha256; the bootstrap admin key from the config is accepted without a row.
 * `last_used_at` is refreshed at most once a minute per key.
 * workerAuth(): the same for the ingest routes (lease, submit), with live keys cached per app (a key never changes
 * but for its revocation). Those routes' statements re-check the key in the database — leasePrompts takes no lease
 * for a revoked or expired key, a submission reads the key's state with its leases and storeGroups stores nothing
 * for it — and answer 401 (evicting it here), so a revocation still holds at once while the lookup round trip is
 * saved on every request.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { findKeyByHash, hashKey, touchKey, type Role } from '../../schema/index.js'
import { dbOf, type AppEnv, type Caller, type EdgeDeps } from '../env.js'
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

/** A live key as looked up: the caller, its expiry and when its last_used_at was last refreshed (ms). */
interface KeyEntry {
  caller: Caller
  expiresAt: number | null
  touchedAt: number
}

async function lookUp(c: Context<AppEnv>, hash: string): Promise<KeyEntry | null> {
  const row = await findKeyByHash(dbOf(c), hash)
  if (!row) return null
  let touchedAt = row.lastUsedAt?.getTime() ?? 0
  if (Date.now() - touchedAt > TOUCH_EVERY_S * 1000) {
    await touchKey(dbOf(c), row.id, TOUCH_EVERY_S)
    touchedAt = Date.now()
  }
  return {
    caller: {
      id: row.id,
      role: row.role,
      limits: { leasesPerMinute: row.leasesPerMinute, submissionsPerMinute: row.submissionsPerMinute },
      quota: row.quota,
    },
    expiresAt: row.expiresAt?.getTime() ?? null,
    touchedAt,
  }
}

/** Most keys one app keeps cached (cleared when full). */
const CACHE_KEYS = 10_000
const caches = new WeakMap<EdgeDeps, Map<string, KeyEntry>>()
const cacheOf = (deps: EdgeDeps) => {
  let m = caches.get(deps)
  if (!m) caches.set(deps, (m = new Map()))
  return m
}

/** A cached live key (refreshing last_used_at once a minute), or a fresh lookup that is then cached. */
async function cachedLookUp(c: Context<AppEnv>, hash: string): Promise<KeyEntry | null> {
  const cache = cacheOf(c.var.deps)
  const hit = cache.get(hash)
  const now = Date.now()
  if (hit && (hit.expiresAt === null || hit.expiresAt > now)) {
    if (now - hit.touchedAt > TOUCH_EVERY_S * 1000) {
      hit.touchedAt = now
      await touchKey(dbOf(c), hit.caller.id!, TOUCH_EVERY_S)
    }
    return hit
  }
  cache.delete(hash)
  const entry = await lookUp(c, hash)
  if (entry) {
    if (cache.size >= CACHE_KEYS) cache.clear()
    cache.set(hash, entry)
  }
  return entry
}

/** The 401 for a key that is unknown, revoked or expired (also thrown by routes whose statements find it so). */
export const deadKey = () =>
  new ProblemError(401, 'unknown, revoked or expired key', { headers: { 'www-authenticate': 'Bearer' } })

function authWith(roles: Role[], cached: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.var.pathKey ?? BEARER.exec(c.req.header('authorization') ?? '')?.[1]
    if (!key)
      throw new ProblemError(401, 'missing bearer key: send "Authorization: Bearer <key>"', {
        headers: { 'www-authenticate': 'Bearer' },
      })
    const hash = await hashKey(key)
    const admin = c.var.deps.config.adminKey
    const caller =
      admin !== undefined && hash === (await adminHash(admin))
        ? BOOTSTRAP
        : ((cached ? await cachedLookUp(c, hash) : await lookUp(c, hash))?.caller ?? null)
    if (!caller) throw deadKey()
    if (roles.length > 0 && !roles.includes(caller.role))
      throw new ProblemError(403, `this route needs a key with role ${roles.join(' or ')}; yours is ${caller.role}`)
    c.set('caller', caller)
    try {
      await next()
    } finally {
      // the route's statements found the key revoked or expired: forget it
      if (cached && (c.res.status === 401 || c.error instanceof ProblemError && c.error.status === 401)) cacheOf(c.var.deps).delete(hash)
    }
  }
}

export function auth(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return authWith(roles, false)
}

/**
 * auth('worker') with the key cached: only for routes whose statements re-check the key (leasing, submitting) and
 * throw deadKey() when it is no longer live.
 */
export const workerAuth = (): MiddlewareHandler<AppEnv> => authWith(['worker'], true)

/** Every role: for routes any valid key may call. */
export const anyRole = () => auth()
