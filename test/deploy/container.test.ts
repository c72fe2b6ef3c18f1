/**
 * The GPU learner container, proven on the CPU (no GPU is lent to this machine, and there is no docker daemon):
 * learner/Dockerfile's ENTRYPOINT + CMD and every `docker run` line its comments document are run word for word
 * from the repository root (the image's WORKDIR holds `COPY . .`), with the image's ENV, COHORT_EP=cpu in place of
 * cuda, each volume mounted on a temporary folder, and DATABASE_URL pointing at a fresh database (the embedded
 * PGlite in the /data volume when no Postgres server answers). The learner runs must claim groups, train and
 * publish — not print nothing and exit (the entry point used to name a module that only defines main()).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../schema/db.js'
import { migrateDatabase } from '../../schema/migrate.js'
import { rows } from '../../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../helpers/db.js'
import { seedGroups } from '../learner/service/seed.js'
import { readDockerfile, ROOT, type DockerRun } from './dockerfile.js'

const file = readDockerfile()
const made: string[] = []
const drops: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const d of drops) await d()
  for (const d of made) rmSync(d, { recursive: true, force: true })
})

/** The container's argv as a local command line: `node` is this Node, the rest verbatim. */
function commandLine(args: string[]): [string, string[]] {
  const [exe, ...rest] = [...file.entrypoint, ...args]
  expect(exe).toBe('node')
  return [process.execPath, rest]
}

function run(args: string[], env: Record<string, string>) {
  const [exe, argv] = commandLine(args)
  const child = spawn(exe, argv, { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { child, exited, out: () => out }
}

/** The run's environment: image ENV, then -e, with COHORT_EP=cpu; mount targets and the database swapped for local ones. */
async function environment(r: DockerRun): Promise<{ env: Record<string, string>; mounts: Record<string, string>; database: string | null; dataDir: string }> {
  const mounts: Record<string, string> = {}
  for (const target of new Set([...file.volumes, ...Object.keys(r.volumes)])) {
    mounts[target] = mkdtempSync(join(tmpdir(), 'cohort-volume-'))
    made.push(mounts[target])
  }
  const swap = (v: string) => Object.entries(mounts).reduce((s, [target, dir]) => (s === target || s.startsWith(target + '/') ? dir + s.slice(target.length) : s), v)
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...file.env, ...r.env })) env[k] = swap(v)
  env.COHORT_EP = 'cpu' // no GPU here: the same command on the CPU EP
  const dataDir = env.COHORT_DATA_DIR
  let database: string | null = null
  if (env.DATABASE_URL) {
    const server = await testServerUrl()
    if (server) {
      const created = await createServerDatabase(server)
      drops.push(created.drop)
      database = env.DATABASE_URL = created.url
    } else delete env.DATABASE_URL // the embedded PGlite in the data volume
  }
  return { env, mounts, database, dataDir }
}

describe('learner/Dockerfile', () => {
  it('is exec form, on the cohort CLI, with a learner as its default command and a data volume', () => {
    expect(file.entrypoint).toEqual(['node', 'cli/bin.mjs'])
    expect(file.cmd[0]).toBe('learn')
    expect(file.env.COHORT_EP).toBe('cuda')
    expect(file.volumes).toContain(file.env.COHORT_DATA_DIR)
    expect(file.runs.length).toBeGreaterThanOrEqual(3)
    expect(file.runs.every((r) => r.image === 'cohort-learner')).toBe(true)
  })

  it('`docker run cohort-learner --help` lists the commands', async () => {
    const p = run(['--help'], {})
    expect(await p.exited, p.out()).toBe(0)
    expect(p.out()).toMatch(/usage: cohort <command>/)
    expect(p.out()).toMatch(/learn\s+run the GRPO learner/)
  })

  for (const r of file.runs)
    it(`runs: ${r.line}`, async () => {
      const args = r.args.length ? r.args : file.cmd
      const { env, mounts, database, dataDir } = await environment(r)
      if (args.includes('--help')) {
        const p = run(args, env)
        expect(await p.exited, p.out()).toBe(0)
        expect(p.out()).toMatch(new RegExp(`^cohort ${args[0]} `, 'm'))
        return
      }
      // 40 ready groups: five full batches of the default 8, so the default --publish-every 5 publishes version 1
      const seedDb = await openDatabase(database ? { databaseUrl: database } : { dataDir })
      await migrateDatabase(seedDb)
      await seedGroups(seedDb.db, { groups: 40, groupSize: 4 })
      await seedDb.close()

      const p = run(args, env)
      const deadline = Date.now() + 240_000
      while (!/published version 1 /.test(p.out())) {
        if (Date.now() > deadline || p.child.exitCode !== null) throw new Error(`the container command did not train and publish:\n${p.out()}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      p.child.kill('SIGTERM')
      expect(await p.exited, p.out()).toBe(0)
      expect(p.out()).toMatch(/published version 0 /)
      expect(p.out()).toMatch(/cohort learn: [5-9]\d* step\(s\), \d+ group\(s\) trained/)
      // what it left in the volume and the database
      expect(readdirSync(join(mounts['/data'], 'learner', 'artifacts', 'versions'))).toHaveLength(2)
      const check = await openDatabase(database ? { databaseUrl: database } : { dataDir })
      try {
        const [c] = await rows<{ steps: number; versions: number; trained: number }>(
          check.db,
          sql`SELECT (SELECT count(*)::int FROM train_steps) AS steps, (SELECT count(*)::int FROM model_versions) AS versions,
                     (SELECT count(*)::int FROM groups WHERE status = 'trained') AS trained`,
        )
        expect(c.steps).toBeGreaterThanOrEqual(5)
        expect(c.versions).toBe(2)
        expect(c.trained).toBeGreaterThanOrEqual(40)
      } finally {
        await check.close()
      }
    }, 300_000)
})
