/**
 * Every SQL statement lives behind a named function in schema/ (schema/queries, schema/admin): no other source
 * folder builds SQL — no drizzle `sql` tag, no query-builder call on a Db, no raw postgres.js query.
 * Tests themselves may (they check what the database holds).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
const FOLDERS = ['edge', 'learner', 'cli', 'common', 'verifiers', 'bench', 'sandbox', 'examples', 'tools']
/** What building SQL looks like outside schema/: the sql tag imported, a raw query, a drizzle builder chain on a Db. */
const SQL_SIGNS: [string, RegExp][] = [
  ['drizzle sql tag', /import\s*\{[^}]*\bsql\b[^}]*\}\s*from\s*'drizzle-orm'/],
  ['raw postgres.js query', /\.unsafe\(/],
  ['drizzle builder', /\.(select|insert|update|delete)\([^)]*\)\s*\.(from|values|set|where)\(/],
  ['SQL text', /\b(?:SELECT\s+[\w*(]|INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|(?:CREATE|ALTER|DROP)\s+(?:TABLE|DATABASE|INDEX)\b)/],
]

function sources(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'out' || e.name.startsWith('.')) continue
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...sources(p))
    else if (/\.(ts|mts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

describe('SQL lives in schema/', () => {
  it('no source file outside schema/ builds SQL', () => {
    const found: string[] = []
    for (const folder of FOLDERS) {
      let files: string[]
      try {
        files = sources(join(ROOT, folder))
      } catch {
        continue
      }
      for (const f of files) {
        const text = readFileSync(f, 'utf8')
        for (const [what, re] of SQL_SIGNS) if (re.test(text)) found.push(`${relative(ROOT, f)}: ${what}`)
      }
    }
    expect(found).toEqual([])
  })

  it('the check sees SQL where it is (schema/queries would fail it)', () => {
    const text = readFileSync(join(ROOT, 'schema/queries/runs.ts'), 'utf8')
    expect(SQL_SIGNS.some(([, re]) => re.test(text))).toBe(true)
  })
})
