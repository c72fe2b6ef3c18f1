/** The Hono environment of the edge app: what handlers find on `c.var`. */
import type { Context } from 'hono'
import type { ArtifactReader } from '../common/artifacts/source.js'
import type { Db, Role } from '../schema/index.js'
import type { EdgeConfig } from './config.js'

/** The caller, set by the auth middleware. `id` is null for the bootstrap admin key from the environment. */
export interface Caller {
  id: number | null
  role: Role
}

export interface EdgeDeps {
  /** The database for this request (a per-request client on Workers, a shared pool or PGlite on Node). */
  getDb: (c: Context) => Db
  config: EdgeConfig
  /** Reads published model files by artifact URI (GET /v1/models/{version}/files/{name}); absent: none served. */
  artifacts?: ArtifactReader
}

export interface AppEnv {
  Variables: { deps: EdgeDeps; caller: Caller }
}

export const dbOf = (c: Context<AppEnv>): Db => c.var.deps.getDb(c)
