/**
 * Every `cohort` command runs with its documented defaults (only the arguments its usage marks as required), as a
 * separate process in a scratch working directory and data directory: long-running ones until they show they
 * work (listening, a published version, an SFT step), then SIGTERM → exit 0; one-shot ones to exit 0. A combination
 * of settings that cannot work is one line on stderr and exit 2, never a stack trace. (Before: `cohort learn` with
 * no flags died at start — "cacheLength 128 + 1 exceeds max_position_embeddings 128" — with a stack trace; and
 * `cohort demo` stopped during its cold start hung forever, its workers waiting for a lease, and it wrote under
 * .cohort/demo/ of the working directory whatever COHORT_DATA_DIR said.)
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { COMMANDS } from '../../cli/index.js'

const BIN = join(import.meta.dirname, '../../cli/bin.mjs')
const scratch: string[] = []
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** `cohort …` in a fresh folder (cwd and COHORT_DATA_DIR), the embedded database, any free port. */
function cohort(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-cli-'))
  scratch.push(dir)
  const env: NodeJS.ProcessEnv = { ...process.env, COHORT_DATA_DIR: join(dir, 'data'), PORT: '0' }
  for (const k of ['DATABASE_URL', 'COHORT_ADMIN_KEY', 'COHORT_S3_BUCKET', 'COHORT_EP']) delete env[k]
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  return {
    dir,
    exited,
    text: () => out + err,
    stderr: () => err,
    /** wait for `pattern` in the output, then SIGTERM; the exit code */
    async until(pattern: RegExp, ms = 180_000): Promise<number | null> {
      const start = Date.now()
      try {
        while (!pattern.test(out + err)) {
          if (Date.now() - start > ms || child.exitCode !== null) throw new Error(`cohort ${args.join(' ')}: no ${pattern} in\n${out + err}`)
          await new Promise((r) => setTimeout(r, 200))
        }
      } catch (e) {
        child.kill('SIGKILL')
        throw e
      }
      child.kill('SIGTERM')
      return exited
    },
  }
}

/** What each command is run with: its required arguments only, and what shows it is working. */
const RUNS: Record<string, { args: string[]; working?: RegExp; output?: RegExp; exit?: number; wrote?: (dir: string) => void }> = {
  serve: { args: [], working: /cohort edge listening on http:\/\/127\.0\.0\.1:\d+/ },
  learn: { args: [], working: /published version 0 / },
  rollout: { args: ['--task', 'arith', '--key', 'ck_worker_x'], working: /waiting for the edge/ }, // none at the default URL: it keeps retrying
  demo: {
    args: [],
    working: /random init: held-out accuracy/,
    // everything under COHORT_DATA_DIR/demo/<run>/, nothing in the working directory (it used to write .cohort/demo/)
    wrote: (dir) => {
      expect(existsSync(join(dir, '.cohort'))).toBe(false)
      expect(readdirSync(join(dir, 'data', 'demo'))).toHaveLength(1)
    },
  },
  sandbox: { args: [], working: /cohort sandbox listening on http:\/\/127\.0\.0\.1:\d+/ },
  migrate: { args: [], output: /migrations applied/ },
  keys: { args: ['create', '--role', 'worker'], output: /^ck_worker_/m },
  tasks: { args: ['list'] },
  // a fresh database has no task to export: a clear refusal naming it (exit 2), never a stack trace
  export: { args: ['--task', 'arith', '--format', 'jsonl', '--out', 'out.jsonl'], exit: 2, output: /no task named "arith"/ },
}

describe('every command with its defaults', () => {
  it('covers the whole command table', () => {
    expect(Object.keys(RUNS).sort()).toEqual(COMMANDS.map((c) => c.name).sort())
  })

  for (const [name, r] of Object.entries(RUNS))
    it(`cohort ${name} ${r.args.join(' ')}`.trim(), async () => {
      const p = cohort([name, ...r.args])
      const code = r.working !== undefined ? await p.until(r.working) : await p.exited
      expect(code, p.text()).toBe(r.exit ?? 0)
      if (r.output) expect(p.text()).toMatch(r.output)
      r.wrote?.(p.dir)
      expect(p.stderr()).not.toMatch(/\n\s+at .+:\d+:\d+/) // no stack trace
    }, 240_000)

  it('a bad combination of settings is one line and exit 2', async () => {
    const p = cohort(['learn', '--cache-length', '300'])
    expect(await p.exited).toBe(2)
    const lines = p.stderr().trim().split('\n').filter((l) => !/^cohort learn: owner/.test(l))
    expect(lines).toEqual([expect.stringMatching(/^cohort learn: inference bucket: cacheLength 300 \+ 1 exceeds max_position_embeddings 256$/)])
  }, 120_000)
})
