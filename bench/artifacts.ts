/**
 * bench:artifacts — downloading a published model file, through the edge against straight from the store.
 * One version of BENCH_MB (default 64) MiB of random bytes is published by the learner's publisher to a real
 * S3-compatible server (s3rver, its own process) and to the local artifact folder; `cohort serve` (its own process,
 * on the local Postgres, COHORT_S3_* set) streams both. In this process, per scenario, BENCH_REPS (default 5) timed
 * downloads of the whole file into memory, sha256 checked after the clock stops:
 *   s3 direct      a SigV4-signed GET to s3rver (what a worker holding bucket credentials would do): the floor
 *   s3 via edge    GET /v1/models/{v}/files/{name} for the s3: version (edge reads s3rver, streams it on)
 *   file direct    readFile of the version's file (a worker on the learner's disk): the local floor
 *   file via edge  the same route for the file: version
 * Table: MiB/s median [min–max]; the last line is the headline (via-edge / direct for S3).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseS3Uri, s3OptionsFromEnv, s3Request } from '../common/artifacts/index.js'
import { LocalArtifactStore, publish, S3ArtifactStore } from '../learner/publish/index.js'
import { openDatabase } from '../schema/db.js'
import { migrateDatabase } from '../schema/migrate.js'
import { createKey } from '../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../test/helpers/db.js'
import { freePort } from '../test/helpers/net.js'
import { spread as stats } from './stats.js'

const MB = Number(process.env.BENCH_MB ?? 64)
const REPS = Number(process.env.BENCH_REPS ?? 5)
const NAME = 'model.safetensors'

async function start(args: string[], env: NodeJS.ProcessEnv, ready: () => Promise<boolean>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout!.on('data', (d) => (log += d))
  child.stderr!.on('data', (d) => (log += d))
  for (const deadline = Date.now() + 120_000; Date.now() < deadline && child.exitCode === null; ) {
    if (await ready().catch(() => false)) return child
    await new Promise((r) => setTimeout(r, 300))
  }
  child.kill('SIGKILL')
  throw new Error(`${args.join(' ')} did not come up:\n${log.slice(-2000)}`)
}

const stop = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : (c.once('exit', () => resolve()), c.kill('SIGTERM'))))

async function timed(get: () => Promise<Uint8Array>, want: string): Promise<number> {
  const t0 = performance.now()
  const bytes = await get()
  const s = (performance.now() - t0) / 1000
  if (createHash('sha256').update(bytes).digest('hex') !== want) throw new Error('downloaded bytes do not match their sha256')
  return bytes.byteLength / 2 ** 20 / s
}


async function main() {
  const server = await testServerUrl()
  if (!server) throw new Error('bench:artifacts needs a Postgres server (DATABASE_URL or 127.0.0.1:5432)')
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-artifacts-'))
  const created = await createServerDatabase(server)
  const children: ChildProcess[] = []
  try {
    const s3Port = await freePort()
    const env = {
      COHORT_S3_BUCKET: 'models',
      COHORT_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      COHORT_S3_PREFIX: 'bench/',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    }
    await mkdir(join(dir, 's3'))
    children.push(await start(['bench/artifacts/s3-server.ts', join(dir, 's3'), String(s3Port)], {}, async () => (await fetch(env.COHORT_S3_ENDPOINT)).status > 0))
    const s3 = s3OptionsFromEnv(env)!

    const database = await openDatabase({ databaseUrl: created.url })
    await migrateDatabase(database)
    const { key } = await createKey(database.db, 'worker', 'bench')
    const payload = randomBytes(MB * 2 ** 20)
    const want = createHash('sha256').update(payload).digest('hex')
    const write = (d: string) => writeFile(join(d, NAME), payload)
    const viaS3 = await publish(database.db, new S3ArtifactStore(s3), { step: 0, write })
    const viaFile = await publish(database.db, new LocalArtifactStore(join(dir, 'artifacts')), { step: 1, write })
    await database.close()

    const port = await freePort()
    const edge = `http://127.0.0.1:${port}`
    children.push(
      await start(['cli/run.ts', 'serve', '--port', String(port)], { ...env, DATABASE_URL: created.url, COHORT_ADMIN_KEY: `ck_admin_bench_${port}` }, async () => (await fetch(`${edge}/healthz`)).ok),
    )
    const viaEdge = (version: number) => async () => {
      const res = await fetch(`${edge}/v1/models/${version}/files/${NAME}`, { headers: { authorization: `Bearer ${key}` } })
      if (!res.ok) throw new Error(`edge: ${res.status} ${await res.text()}`)
      return new Uint8Array(await res.arrayBuffer())
    }
    const scenarios: [string, () => Promise<Uint8Array>][] = [
      ['s3 direct', async () => new Uint8Array(await (await s3Request(s3, 'GET', parseS3Uri(viaS3.artifactUri).key + NAME)).arrayBuffer())],
      ['s3 via edge', viaEdge(viaS3.version)],
      ['file direct', async () => new Uint8Array(await readFile(join(fileURLToPath(viaFile.artifactUri), NAME)))],
      ['file via edge', viaEdge(viaFile.version)],
    ]
    const results = new Map<string, ReturnType<typeof stats>>()
    console.log(`bench:artifacts — one ${MB} MiB file, ${REPS} downloads per scenario (after one warm-up), MiB/s median [min–max]`)
    for (const [name, get] of scenarios) {
      await timed(get, want) // warm-up: connections, caches
      const xs: number[] = []
      for (let i = 0; i < REPS; i++) xs.push(await timed(get, want))
      const s = stats(xs)
      results.set(name, s)
      console.log(`  ${name.padEnd(14)} ${s.median.toFixed(0).padStart(6)} MiB/s  [${s.min.toFixed(0)}–${s.max.toFixed(0)}]`)
    }
    const r = (a: string, b: string) => (results.get(a)!.median / results.get(b)!.median).toFixed(2)
    console.log(`\nthrough the edge: S3 ${results.get('s3 via edge')!.median.toFixed(0)} MiB/s = ${r('s3 via edge', 's3 direct')}× direct S3; local ${r('file via edge', 'file direct')}× direct read`)
  } finally {
    for (const c of children.reverse()) await stop(c)
    await created.drop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
