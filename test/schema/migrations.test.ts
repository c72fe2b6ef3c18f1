/** The committed migrations: they apply (twice is a no-op) and match schema/schema.ts (drizzle-kit finds no diff). */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { asc, sql } from 'drizzle-orm'
import { migrateDatabase, MIGRATIONS_FOLDER } from '../../schema/migrate.js'
import { rows } from '../../schema/queries/index.js'
import { completions } from '../../schema/schema.js'
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
      'atropos_envs',
      'atropos_runs',
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
    // completions up to ~8 KB are stored inline, uncompressed (no pglz attempt on packed tokens on ingest)
    const [c] = await rows<{ o: string[] | string | null }>(d.db, sql`select reloptions as o from pg_class where relname = 'completions'`)
    expect(String(c.o)).toMatch(/toast_tuple_target=8160/)
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

  it('packed_tokens converts stored int[] / real[] token arrays to packed little-endian bytea', async () => {
    const fresh = await freshDatabase({ migrate: false })
    try {
      // a copy of the migrations folder up to the one before packed_tokens: the schema as it was before packing
      const dir = mkdtempSync(join(tmpdir(), 'cohort-mig0-'))
      cpSync(MIGRATIONS_FOLDER, dir, { recursive: true })
      const journal = JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8'))
      const packing = journal.entries.findIndex((e: { tag: string }) => e.tag.endsWith('_packed_tokens'))
      journal.entries = journal.entries.slice(0, packing)
      writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal))
      await migrateDatabase(fresh, dir)
      for (const q of [
        sql`INSERT INTO tasks (name, verifier, group_size, max_new_tokens, temperature, top_p, top_k, lease_seconds)
            VALUES ('t', '{}', 1, 8, 1, 1, 0, 60)`,
        sql`INSERT INTO prompts (task_id, text) VALUES (1, 'p')`,
        sql`INSERT INTO api_keys (key_hash, prefix, role) VALUES ('h', 'p', 'worker')`,
        sql`INSERT INTO leases (prompt_id, task_id, worker_key_id, model_version, expires_at) VALUES (1, 1, 1, 0, now())`,
        sql`INSERT INTO groups (task_id, prompt_id, lease_id, policy_version, status) VALUES (1, 1, 1, 0, 'ready')`,
        sql`INSERT INTO completions (group_id, index, text, token_ids, logprobs) VALUES
            (1, 0, 'a', '{0,1,-1,2147483647,-2147483648,151643}', '{0,-0.5,-1e-8,-23.25,-3.4028235e38}'),
            (1, 1, 'b', '{}', '{}'),
            (1, 2, 'c', NULL, NULL)`,
      ])
        await fresh.db.execute(q)
      await migrateDatabase(fresh)
      const got = await fresh.db
        .select({ tokenIds: completions.tokenIds, logprobs: completions.logprobs })
        .from(completions)
        .orderBy(asc(completions.index))
      expect(got).toEqual([
        {
          tokenIds: [0, 1, -1, 2147483647, -2147483648, 151643],
          logprobs: [0, -0.5, Math.fround(-1e-8), -23.25, Math.fround(-3.4028235e38)],
        },
        { tokenIds: [], logprobs: [] },
        { tokenIds: null, logprobs: null },
      ])
      const [bytes] = await rows<{ hex: string }>(fresh.db, sql`SELECT encode(token_ids, 'hex') AS hex FROM completions WHERE index = 0`)
      expect(bytes.hex.slice(0, 24)).toBe('00000000' + '01000000' + 'ffffffff') // little-endian int32
    } finally {
      await fresh.drop()
    }
  })
})
