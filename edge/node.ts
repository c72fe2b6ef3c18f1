/**
 * The edge on Node (@hono/node-server): opens the database (DATABASE_URL, else embedded PGlite in
 * COHORT_DATA_DIR / `.cohort/`), applies pending migrations, registers the bootstrap admin key and listens.
 * Embedded mode keeps one PGlite in this process: the learner and workers run in the same process and share it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { fileReader } from '../common/artifacts/local.js'
import { artifactReader, httpReader, s3OptionsFromEnv, s3Reader, type ArtifactReader } from '../common/artifacts/index.js'
import { closeNodeSandboxes, installNodeSandboxes } from '../sandbox/index.js'
import { DEFAULT_DATA_DIR, openDatabase, type OpenDatabase } from '../schema/db.js'
import { migrateDatabase } from '../schema/migrate.js'
import { createKey, ensureKey } from '../schema/queries/index.js'
import { createApp, type EdgeApp } from './app.js'
import { configFromEnv, type EdgeConfig } from './config.js'
import { serveContributeAssets } from './pages/contribute/assets.js'

export const DEFAULT_PORT = 8787

export interface NodeServerOptions {
  port?: number
  hostname?: string
  databaseUrl?: string
  dataDir?: string
  adminKey?: string
  bodyLimitBytes?: number
  /** Limits of keys made by invitations that name none (default: COHORT_INVITE_*_PER_MIN or 30/min). */
  inviteLimits?: EdgeConfig['inviteLimits']
  /**
   * Serve the browser worker's bundle at /contribute/app.js (from `appDir`, learner/browser/build.ts writes it) and
   * onnxruntime-web's wasm files at /contribute/ort/* (from `ortDir`). Absent: /contribute says it has no bundle.
   */
  contribute?: { appDir: string; ortDir: string }
  /** Use this open database instead of opening one (in-process learner/workers, tests). */
  database?: OpenDatabase
  /** Reads published model files for GET /v1/models/{version}/files/{name} (default: nodeArtifactReader()). */
  artifacts?: ArtifactReader
}

/**
 * What the edge on Node streams model files from: file: versions (the learner's local folder), s3: versions in the
 * bucket named by COHORT_S3_* (learner/publish env names), http(s): versions (public bucket, CDN).
 */
export function nodeArtifactReader(env: NodeJS.ProcessEnv = process.env): ArtifactReader {
  const s3 = s3OptionsFromEnv(env)
  return artifactReader({ file: fileReader, http: httpReader, ...(s3 ? { s3: s3Reader(s3) } : {}) })
}

export interface NodeServer {
  url: string
  app: EdgeApp
  database: OpenDatabase
  /** The bootstrap admin key and where it came from. */
  admin: { key: string | null; source: 'env' | 'file' | 'new' | 'existing' }
  close(): Promise<void>
}

/**
 * Options from the environment: PORT, DATABASE_URL, COHORT_DATA_DIR, COHORT_ADMIN_KEY, COHORT_BODY_LIMIT,
 * COHORT_INVITE_LEASES_PER_MIN, COHORT_INVITE_SUBMISSIONS_PER_MIN, and COHORT_S3_* + AWS_* (the bucket model files
 * are streamed from).
 */
export function nodeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): NodeServerOptions {
  const cfg = configFromEnv(env)
  return {
    port: env.PORT ? Number(env.PORT) : DEFAULT_PORT,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.COHORT_DATA_DIR || undefined,
    adminKey: cfg.adminKey,
    bodyLimitBytes: cfg.bodyLimitBytes,
    artifacts: nodeArtifactReader(env),
    inviteLimits: cfg.inviteLimits,
  }
}

/**
 * The bootstrap admin key: COHORT_ADMIN_KEY if set; embedded mode keeps a generated one in <dataDir>/admin.key
 * (mode 600) so it survives restarts; on a real server a new one is made only while no admin key exists.
 */
async function bootstrapAdmin(database: OpenDatabase, opts: NodeServerOptions): Promise<NodeServer['admin']> {
  const { db } = database
  if (opts.adminKey) {
    await ensureKey(db, opts.adminKey, 'admin', 'COHORT_ADMIN_KEY')
    return { key: opts.adminKey, source: 'env' }
  }
  if (database.kind === 'pglite' && opts.dataDir !== undefined && !opts.dataDir.startsWith('memory://')) {
    const file = join(opts.dataDir, 'admin.key')
    if (existsSync(file)) {
      const key = readFileSync(file, 'utf8').trim()
      await ensureKey(db, key, 'admin', 'bootstrap')
      return { key, source: 'file' }
    }
    const { key } = await createKey(db, 'admin', 'bootstrap')
    writeFileSync(file, key + '\n', { mode: 0o600 })
    return { key, source: 'new' }
  }
  const existing = await database.db.query.apiKeys.findFirst({ where: (k, { eq }) => eq(k.role, 'admin') })
  if (existing) return { key: null, source: 'existing' }
  const { key } = await createKey(db, 'admin', 'bootstrap')
  return { key, source: 'new' }
}

export async function startNodeServer(opts: NodeServerOptions = {}): Promise<NodeServer> {
  const dataDir = opts.databaseUrl ? undefined : (opts.dataDir ?? DEFAULT_DATA_DIR)
  const owned = !opts.database
  const database = opts.database ?? (await openDatabase({ databaseUrl: opts.databaseUrl, dataDir }))
  await migrateDatabase(database)
  const admin = await bootstrapAdmin(database, { ...opts, dataDir })
  const config: EdgeConfig = {
    ...configFromEnv({}),
    ...(opts.bodyLimitBytes ? { bodyLimitBytes: opts.bodyLimitBytes } : {}),
    ...(opts.inviteLimits ? { inviteLimits: opts.inviteLimits } : {}),
    adminKey: opts.adminKey,
  }
  // code-tests run in local process pools (Python, and JavaScript with a hard kill), started on first use
  installNodeSandboxes()
  const app = createApp({ getDb: () => database.db, config, artifacts: opts.artifacts ?? nodeArtifactReader() })
  if (opts.contribute) serveContributeAssets(app, opts.contribute)
  const hostname = opts.hostname ?? '127.0.0.1'
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? DEFAULT_PORT, hostname }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${hostname}:${port}`,
    app,
    database,
    admin,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await closeNodeSandboxes()
      if (owned) await database.close()
    },
  }
}
