/**
 * `cohort sandbox` as a user runs it (a separate process through the `cohort` bin): --help, then serving the
 * http verifier protocol — a signed request is scored, a bad signature is 401, an unusable reference 422 — and a
 * clean exit on SIGTERM. Also `cohort tasks add --prompts` refusing a file with prompts the verifier cannot score.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../cli/index.js'
import { signBody } from '../../verifiers/index.js'
import { freePort } from '../helpers/net.js'

describe('cohort sandbox', { timeout: 300_000 }, () => {
  it('--help describes the protocol and the flags', async () => {
    const logs: string[] = []
    const log = console.log
    console.log = (s: string) => logs.push(s)
    try {
      expect(await main(['sandbox', '--help'])).toBe(0)
    } finally {
      console.log = log
    }
    expect(logs.join('\n')).toMatch(/POST \/code-tests[\s\S]*COHORT_SANDBOX_SECRET/)
    expect(await main(['sandbox', '--language', 'ruby'])).toBe(2)
  })

  it('serves signed code-tests requests and exits cleanly on SIGTERM', async () => {
    const port = await freePort()
    const secret = 'cli-sandbox-secret'
    const proc = spawn(process.execPath, ['cli/bin.mjs', 'sandbox', '--port', String(port), '--language', 'javascript', '--size', '1'], {
      env: { ...process.env, COHORT_SANDBOX_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    proc.stdout.on('data', (d) => (out += d))
    proc.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
    try {
      for (let i = 0; i < 600 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 100))
      expect(out).toMatch(/cohort sandbox listening on http:\/\/127\.0\.0\.1:\d+\/code-tests/)
      const url = `http://127.0.0.1:${port}/code-tests?scoring=fraction`
      const post = async (body: object, sign = secret) => {
        const text = JSON.stringify(body)
        const ts = String(Math.floor(Date.now() / 1000))
        return fetch(url, { method: 'POST', body: text, headers: { 'content-type': 'application/json', 'x-cohort-timestamp': ts, 'x-cohort-signature': await signBody(sign, ts, text) } })
      }
      const reference = JSON.stringify({ asserts: ['assert.equal(inc(1), 2)', 'assert.equal(inc(5), 6)'] })
      const ok = await post({ prompt: null, completions: ['const inc = (x) => x + 1', 'const inc = () => 2'], reference })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({ rewards: [1, 0.5] })
      expect((await post({ prompt: null, completions: ['x'], reference }, 'wrong')).status).toBe(401)
      const bad = await post({ prompt: null, completions: ['x'], reference: 'not json' })
      expect(bad.status).toBe(422)
      expect(bad.headers.get('content-type')).toContain('application/problem+json')
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    } finally {
      proc.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  })
})

describe('cohort tasks add --prompts', { timeout: 300_000 }, () => {
  it('refuses a file with prompts the verifier cannot score, storing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-cli-'))
    const env = { COHORT_DATA_DIR: process.env.COHORT_DATA_DIR, DATABASE_URL: process.env.DATABASE_URL }
    process.env.COHORT_DATA_DIR = join(dir, 'data')
    delete process.env.DATABASE_URL
    const errors: string[] = []
    const err = console.error
    const log = console.log
    console.error = (s: string) => errors.push(s)
    console.log = () => {}
    try {
      const file = join(dir, 'p.jsonl')
      writeFileSync(file, ['{"prompt":"1+1","answer":"2"}', '{"prompt":"no answer"}', '{"prompt":"x","answer":"3"}'].join('\n'))
      expect(await main(['tasks', 'add', '--name', 'arith', '--group-size', '2', '--prompts', file])).toBe(1)
      expect(errors.join('\n')).toMatch(/p\.jsonl:2: the exact verifier needs a reference answer[\s\S]*1 of 3 prompts cannot be scored by the task's verifier; nothing was stored/)
      const listed: string[] = []
      console.log = (s: string) => listed.push(s)
      await main(['tasks', 'list'])
      expect(listed).toEqual(['(no tasks)'])
    } finally {
      console.error = err
      console.log = log
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]
      else process.env[k] = v
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
