/**
 * openDatabase: the Node entry to Cohort's database. A `databaseUrl` gives drizzle over postgres.js (a real
 * Postgres); otherwise the embedded PGlite at `dataDir` (default `.cohort/`; `memory://` for an in-memory one).
 * PGlite is one in-process session: run edge, learner and workers in this one process when embedded.
 * Not for Workers (it pulls PGlite): the edge's Worker uses schema/pg.ts.
 */
import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { connectPostgres, type Database, type Db } from './pg.js'
import * as schema from './schema.js'

export const DEFAULT_DATA_DIR = '.cohort'

export interface OpenOptions {
  /** postgres://… of a real server; wins over dataDir. */
  databaseUrl?: string
  /** Where the embedded PGlite keeps its files (default `.cohort/`), or `memory://`. */
  dataDir?: string
  /** Pool size for a real server. */
  max?: number
}

export type OpenDatabase = Database & { pglite?: PGlite; url?: string }

export async function openDatabase(opts: OpenOptions = {}): Promise<OpenDatabase> {
  if (opts.databaseUrl) return connectPostgres(opts.databaseUrl, { max: opts.max })
  const dataDir = opts.dataDir ?? DEFAULT_DATA_DIR
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true })
  const pglite = await PGlite.create(dataDir)
  return {
    db: drizzle(pglite, { schema }) as unknown as Db,
    kind: 'pglite',
    pglite,
    close: () => pglite.close(),
  }
}

/** openDatabase from the environment: DATABASE_URL, else COHORT_DATA_DIR, else `.cohort/`. */
export function openDatabaseFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<OpenDatabase> {
  return openDatabase({ databaseUrl: env.DATABASE_URL || undefined, dataDir: env.COHORT_DATA_DIR || undefined })
}
