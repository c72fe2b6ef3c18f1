/**
 * The edge on Cloudflare Workers. The app is built once per isolate; the database client is opened per request
 * (Hyperdrive binding `HYPERDRIVE`, or `DATABASE_URL`) and closed after the response via waitUntil — a client at
 * module scope fails in workerd on the next request. Migrations are applied from Node (`npm run migrate`).
 */
import type { Context, ExecutionContext } from 'hono'
import runtimeWasm from 'web-tree-sitter/web-tree-sitter.wasm'
import pythonWasm from 'tree-sitter-python/tree-sitter-python.wasm'
// the package exports its .wasm as "./wasm", a path wrangler's CompiledWasm rule (*.wasm) does not match
import quickjsWasm from '../node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm'
import { providePythonWasm, provideQuickJSWasm } from '../verifiers/index.js'
import { artifactReader, httpReader, r2Reader, s3OptionsFromEnv, s3Reader, type ArtifactReader, type R2BucketLike } from '../common/artifacts/index.js'
import { requestDatabase, type DatabaseBindings, type RequestDatabase } from '../schema/pg.js'
import { createApp, type EdgeApp } from './app.js'
import { configFromEnv } from './config.js'
import { databaseLimiter } from './middleware/index.js'
import { reverifyFailedGroups, secretSources } from './routes/verify/index.js'

export interface WorkerEnv extends DatabaseBindings {
  COHORT_ADMIN_KEY?: string
  COHORT_BODY_LIMIT?: string
  /** R2 bucket binding holding the published versions (the learner writes it through R2's S3 API). */
  ARTIFACTS?: R2BucketLike
  /** the bucket's name as the learner's s3:// URIs spell it (COHORT_S3_BUCKET); other buckets are refused */
  COHORT_S3_BUCKET?: string
  COHORT_INVITE_LEASES_PER_MIN?: string
  COHORT_INVITE_SUBMISSIONS_PER_MIN?: string
}

/**
 * Model files on Workers: s3: versions from the R2 binding ARTIFACTS, else from the bucket named by COHORT_S3_*
 * (SigV4 over fetch); http(s): versions by fetch. file: versions live on the learner's disk: unreachable here.
 */
function workerArtifactReader(env: WorkerEnv): ArtifactReader {
  if (env.ARTIFACTS) return artifactReader({ http: httpReader, s3: r2Reader(env.ARTIFACTS, env.COHORT_S3_BUCKET) })
  const s3 = s3OptionsFromEnv(env as Record<string, unknown>)
  return artifactReader({ http: httpReader, ...(s3 ? { s3: s3Reader(s3) } : {}) })
}

/** The per-request database travels in the env object handed to the app (a fresh copy per request). */
type RequestEnv = WorkerEnv & { requestDb: RequestDatabase }

let app: EdgeApp | undefined

// workerd forbids compiling WebAssembly from bytes: the Python syntax checker gets the modules wrangler precompiled.
providePythonWasm({ runtime: runtimeWasm, language: pythonWasm })
// code-tests (JavaScript) run in QuickJS; Python code-tests need an http verifier pointing at `cohort sandbox`
provideQuickJSWasm(quickjsWasm)

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    app ??= createApp({
      getDb: (c: Context) => (c.env as RequestEnv).requestDb.get(),
      config: configFromEnv(env as Record<string, unknown>),
      artifacts: workerArtifactReader(env),
      limiter: databaseLimiter(), // shared by every isolate
    })
    const requestDb = requestDatabase(env)
    try {
      return await app.fetch(request, { ...env, requestDb } satisfies RequestEnv, ctx)
    } finally {
      ctx.waitUntil(requestDb.close())
    }
  },
  /** Cron trigger (wrangler.toml [triggers]): retry one batch of groups whose hosted verifier failed. */
  async scheduled(event: { cron: string }, env: WorkerEnv): Promise<void> {
    const requestDb = requestDatabase(env)
    try {
      const { groups: _, ...counts } = await reverifyFailedGroups(requestDb.get(), { sources: secretSources(env) })
      console.log(`cohort reverify (${event.cron}): ${JSON.stringify(counts)}`)
    } finally {
      await requestDb.close()
    }
  },
}
