/** The Hono environment of the edge app: what handlers find on `c.var`. */
import type { Context } from 'hono'
import type { ArtifactReader } from '../common/artifacts/source.js'
import type { Db, Role } from '../schema/index.js'
import type { EdgeConfig } from './config.js'
import type { RateLimiter } from './middleware/rate.js'

/** The caller, set by the auth middleware. `id` is null for the bootstrap admin key from the environment. */
export interface Caller {
  id: number | null
  role: Role
  /** Per-minute limits of this key (null: unlimited). */
  limits: { leasesPerMinute: number | null; submissionsPerMinute: number | null }
  /** Groups + ratings this key may make in all (null: unlimited). */
  quota: number | null
}

export interface EdgeDeps {
  /** The database for this request (a per-request client on Workers, a shared pool or PGlite on Node). */
  getDb: (c: Context) => Db
  config: EdgeConfig
  /** Reads published model files by artifact URI (GET /v1/models/{version}/files/{name}); absent: none served. */
  artifacts?: ArtifactReader
  /** Counts requests of keys with per-minute limits (in process on Node, in Postgres on Workers). */
  limiter: RateLimiter
}

export interface AppEnv {
  /** pathKey: a key sent in the path (/atropos/k/{key}/…) by clients that cannot send headers */
  Variables: { deps: EdgeDeps; caller: Caller; pathKey?: string }
}

export const dbOf = (c: Context<AppEnv>): Db => c.var.deps.getDb(c)
