/**
 * Per-key limits. `rateLimit('leases' | 'submissions')` runs after `auth`: a key with a per-minute limit for that
 * kind is counted by the app's RateLimiter and answered 429 + Retry-After beyond it; a key with a quota is
 * refused (403) once its groups + ratings reach it. Keys without limits (admin-made fleets) are never counted.
 *   memoryLimiter()    Node: in process, GCRA (a burst of up to the per-minute limit, then a steady rate)
 *   databaseLimiter()  Workers: fixed one-minute windows in Postgres, shared by every isolate
 */
import type { Context, MiddlewareHandler } from 'hono'
import { hitRateWindow, keySubmissions } from '../../schema/index.js'
import { dbOf, type AppEnv } from '../env.js'
import { ProblemError } from '../problem.js'

export interface RateLimiter {
  /** Count one request in `bucket`, allowed `perMinute` times a minute: null if allowed, else seconds to wait. */
  hit(c: Context<AppEnv>, bucket: string, perMinute: number): Promise<number | null>
}

/** Buckets kept before idle ones are swept. */
const SWEEP_AT = 10_000

export function memoryLimiter(now: () => number = Date.now): RateLimiter {
  /** GCRA: the theoretical arrival time of the next request, per bucket (ms). */
  const tat = new Map<string, number>()
  return {
    async hit(_c, bucket, perMinute) {
      const t = now()
      const interval = 60_000 / perMinute
      const tolerance = interval * (perMinute - 1)
      const next = Math.max(tat.get(bucket) ?? t, t)
      if (next - t > tolerance) return Math.max(1, Math.ceil((next - tolerance - t) / 1000))
      if (tat.size >= SWEEP_AT) for (const [k, v] of tat) if (v < t) tat.delete(k)
      tat.set(bucket, next + interval)
      return null
    },
  }
}

export function databaseLimiter(): RateLimiter {
  return {
    async hit(c, bucket, perMinute) {
      const { count, secondsLeft } = await hitRateWindow(dbOf(c), bucket)
      return count <= perMinute ? null : Math.max(1, Math.ceil(secondsLeft))
    },
  }
}

export type LimitKind = 'leases' | 'submissions'

export function rateLimit(kind: LimitKind): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { id, limits, quota } = c.var.caller
    const perMinute = kind === 'leases' ? limits.leasesPerMinute : limits.submissionsPerMinute
    if (id !== null && perMinute !== null) {
      const wait = await c.var.deps.limiter.hit(c, `${kind}:${id}`, perMinute)
      if (wait !== null)
        throw new ProblemError(429, `this key may make ${perMinute} ${kind} a minute; retry in ${wait} s`, {
          headers: { 'retry-after': String(wait) },
        })
    }
    if (kind === 'submissions' && id !== null && quota !== null && (await keySubmissions(dbOf(c), id)) >= quota)
      throw new ProblemError(403, `this key has used its quota of ${quota} submissions`)
    await next()
  }
}
