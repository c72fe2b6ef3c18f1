/**
 * auth(...roles): requires `Authorization: Bearer <key>`; unknown or revoked key → 401, a key of another role → 403.
 * Keys are looked up by sha256; the bootstrap admin key from the config is accepted without a row.
 */
import type { MiddlewareHandler } from 'hono'
import { findKeyByHash, hashKey, type Role } from '../../schema/index.js'
import { dbOf, type AppEnv } from '../env.js'
import { ProblemError } from '../problem.js'

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** sha256 of the bootstrap admin key, computed once per distinct key. */
const adminHashes = new Map<string, Promise<string>>()
const adminHash = (key: string) => {
  let h = adminHashes.get(key)
  if (!h) adminHashes.set(key, (h = hashKey(key)))
  return h
}

export function auth(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const m = BEARER.exec(c.req.header('authorization') ?? '')
    if (!m)
      throw new ProblemError(401, 'missing bearer key: send "Authorization: Bearer <key>"', {
        headers: { 'www-authenticate': 'Bearer' },
      })
    const key = m[1]
    const hash = await hashKey(key)
    const admin = c.var.deps.config.adminKey
    const row =
      admin !== undefined && hash === (await adminHash(admin))
        ? { id: null, role: 'admin' as const }
        : await findKeyByHash(dbOf(c), hash)
    if (!row) throw new ProblemError(401, 'unknown or revoked key', { headers: { 'www-authenticate': 'Bearer' } })
    if (roles.length > 0 && !roles.includes(row.role))
      throw new ProblemError(403, `this route needs a key with role ${roles.join(' or ')}; yours is ${row.role}`)
    c.set('caller', { id: row.id, role: row.role })
    await next()
  }
}

/** Every role: for routes any valid key may call. */
export const anyRole = () => auth()
