/** The Node entry point: embedded database in a data directory, migrations at start, bootstrap admin key. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startNodeServer } from '../../edge/node.js'

const dataDir = mkdtempSync(join(tmpdir(), 'cohort-node-'))

describe('startNodeServer (embedded PGlite)', () => {
  it('migrates, prints a bootstrap admin key kept across restarts, serves over HTTP', async () => {
    const s1 = await startNodeServer({ port: 0, dataDir })
    expect(s1.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(s1.admin.source).toBe('new')
    const key = s1.admin.key!
    expect(readFileSync(join(dataDir, 'admin.key'), 'utf8').trim()).toBe(key)
    expect(statSync(join(dataDir, 'admin.key')).mode & 0o777).toBe(0o600)
    expect(await (await fetch(`${s1.url}/healthz`)).json()).toEqual({ ok: true })
    const task = await fetch(`${s1.url}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'persist', verifier: { type: 'exact' }, groupSize: 2 }),
    })
    expect(task.status).toBe(201)
    await s1.close()

    const s2 = await startNodeServer({ port: 0, dataDir })
    expect(s2.admin).toEqual({ key, source: 'file' })
    const list = (await (await fetch(`${s2.url}/v1/tasks`, { headers: { authorization: `Bearer ${key}` } })).json()) as any
    expect(list.tasks.map((t: any) => t.name)).toEqual(['persist'])
    await s2.close()
  })

  it('COHORT_ADMIN_KEY is registered and used as the admin key', async () => {
    const s = await startNodeServer({ port: 0, dataDir: 'memory://', adminKey: 'from-env-123' })
    expect(s.admin).toEqual({ key: 'from-env-123', source: 'env' })
    const res = await fetch(`${s.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: 'Bearer from-env-123', 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'worker' }),
    })
    expect(res.status).toBe(201)
    await s.close()
  })
})
