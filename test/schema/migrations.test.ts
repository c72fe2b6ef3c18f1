/** The committed migrations: they apply (twice is a no-op) and match schema/schema.ts (drizzle-kit finds no diff). */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { migrateDatabase, MIGRATIONS_FOLDER } from '../../schema/migrate.js'
import { rows } from '../../schema/queries/index.js'
import { freshDatabase, type TestDatabase } from '../helpers/db.js'

let d: TestDatabase
beforeAll(async () => {
  d = await freshDatabase()
})
afterAll(() => d?.drop())

describe('migrations', () => {
  it('create every table and the hot-path indexes', async () => {
    const tables = await rows<{ t: string }>(
      d.db,
      sql`select table_name as t from information_schema.tables where table_schema = 'public' order by 1`,
    )
    expect(tables.map((r) => r.t)).toEqual([
      'api_keys',
      'batches',
      'completions',
      'groups',
      'invites',
      'leases',
      'model_versions',
      'prompts',
      'rate_windows',
      'ratings',
      'tasks',
      'train_steps',
    ])
    const idx = await rows<{ indexname: string; indexdef: string }>(
      d.db,
      sql`select indexname, indexdef from pg_indexes where schemaname = 'public'`,
    )
    const def = (name: string) => idx.find((i) => i.indexname === name)?.indexdef ?? ''
    expect(def('groups_ready_idx')).toMatch(/WHERE \(status = 'ready'::group_status\)/)
    expect(def('prompts_lease_pick_idx')).toMatch(/\(task_id, times_leased, shuffle\)/)
    expect(def('ratings_completion_rater_idx')).toMatch(/UNIQUE/)
  })

  it('applying them again changes nothing', async () => {
    await migrateDatabase(d)
    const [r] = await rows<{ n: unknown }>(d.db, sql`select count(*) as n from drizzle.__drizzle_migrations`)
    expect(Number(r.n)).toBe(readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).length)
  })

  it('are up to date with schema.ts (drizzle-kit generate finds nothing new)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-mig-'))
    cpSync(MIGRATIONS_FOLDER, join(dir, 'migrations'), { recursive: true })
    writeFileSync(
      join(dir, 'drizzle.config.ts'),
      // drizzle-kit reads `out` relative to the working directory
      `export default { dialect: 'postgresql', schema: ${JSON.stringify(resolve('schema/schema.ts'))}, out: ${JSON.stringify(relative(process.cwd(), join(dir, 'migrations')))} }\n`,
    )
    const before = readdirSync(join(dir, 'migrations')).length
    const run = spawnSync('npx', ['drizzle-kit', 'generate', '--config', join(dir, 'drizzle.config.ts')], {
      encoding: 'utf8',
    })
    expect(run.status).toBe(0)
    expect(run.stdout + run.stderr).toMatch(/No schema changes/)
    expect(readdirSync(join(dir, 'migrations')).length).toBe(before)
  })
})
