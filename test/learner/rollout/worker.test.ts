/**
 * The rollout worker against the real edge on Node (HTTP) and a real database, generating with real ONNX graphs:
 * groups are stored with token ids, log-probs and finish reasons; a newly published version is picked up; stop()
 * leaves no lease unfinished.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EdgeClient, openOnnxGenerator, RolloutWorker, submittableText } from '../../../learner/rollout/index.js'
import { BYTE_EOS, byteTokenizer } from '../../../learner/tokenizer/index.js'
import { unpackFloat32, unpackInt32 } from '../../../common/packed.js'
import { createTask, insertPrompts, rows } from '../../../schema/queries/index.js'
import { rolloutFixture, type RolloutFixture } from './fixture.js'

let f: RolloutFixture
beforeAll(async () => {
  f = await rolloutFixture()
})
afterAll(() => f?.close())

const worker = (o: Partial<ConstructorParameters<typeof RolloutWorker>[0]> = {}) =>
  new RolloutWorker({
    edge: new EdgeClient({ baseUrl: f.server.url, key: f.workerKey, backoff: { baseMs: 20, capMs: 200 } }),
    task: 'arith',
    cacheDir: join(f.dir, 'cache'),
    openGenerator: openOnnxGenerator({ threads: 1 }),
    ...o,
  })

interface StoredCompletion {
  group_id: number
  policy_version: number
  text: string
  token_ids: number[]
  logprobs: number[]
  finish_reason: string
  reward: number
}

/** Stored completions, token ids and log-probs decoded from their packed bytea. */
const stored = async () =>
  (
    await rows<Omit<StoredCompletion, 'token_ids' | 'logprobs'> & { token_ids: Uint8Array; logprobs: Uint8Array }>(
      f.database.db,
      sql`SELECT c.group_id, g.policy_version, c.text, c.token_ids, c.logprobs, c.finish_reason, c.reward
          FROM completions c JOIN groups g ON g.id = c.group_id ORDER BY c.group_id, c.index`,
    )
  ).map((c): StoredCompletion => ({ ...c, token_ids: unpackInt32(c.token_ids), logprobs: unpackFloat32(c.logprobs) }))

describe('rollout worker', () => {
  it('waits for a first model, then stores groups with token ids, log-probs and finish reasons', async () => {
    const w = worker({ concurrency: 2, maxGroups: 4 })
    const running = w.run()
    await new Promise((r) => setTimeout(r, 300))
    expect(w.stats.groups).toBe(0) // nothing published: no lease taken
    const [{ n }] = await rows<{ n: number }>(f.database.db, sql`SELECT count(*)::int AS n FROM leases`)
    expect(n).toBe(0)
    await f.publishTiny(1, 0)
    const s = await running
    expect(s.groups).toBe(4)
    expect(s.errors).toBe(0)
    expect(s.byVersion[0].groups).toBe(4) // versions count from 0 (the base model)
    const cs = await stored()
    expect(cs).toHaveLength(16)
    const tok = byteTokenizer()
    for (const c of cs) {
      expect(c.policy_version).toBe(0)
      expect(c.token_ids.length).toBeGreaterThan(0)
      expect(c.token_ids.length).toBeLessThanOrEqual(6)
      expect(c.logprobs).toHaveLength(c.token_ids.length)
      for (const lp of c.logprobs) expect(lp).toBeLessThanOrEqual(0)
      const stop = c.token_ids[c.token_ids.length - 1] === BYTE_EOS
      expect(c.finish_reason).toBe(stop ? 'stop' : 'length')
      if (!stop) expect(c.token_ids).toHaveLength(6)
      expect(c.text).toBe(submittableText(tok.decode(c.token_ids))) // random weights do emit byte 0 (NUL)
      expect([0, 1]).toContain(c.reward)
    }
  })

  it('picks up a newly published version, and stop() finishes the groups in flight', async () => {
    const w = worker({ concurrency: 2 })
    let published = false
    const seen = new Set<number>()
    const running = w.run()
    await new Promise<void>((resolve) => {
      const tick = setInterval(async () => {
        const s = w.stats
        if (s.groups >= 2 && !published) {
          published = true
          await f.publishTiny(2, 10) // version 1
        }
        for (const v of Object.keys(s.byVersion)) seen.add(Number(v))
        if (seen.has(1) && s.byVersion[1].groups >= 2) {
          clearInterval(tick)
          resolve()
        }
      }, 50)
    })
    w.stop()
    const s = await running
    expect(s.errors).toBe(0)
    expect(s.byVersion[0].groups).toBeGreaterThanOrEqual(1)
    expect(s.byVersion[1].groups).toBeGreaterThanOrEqual(2)
    // nothing left half-done: every lease this worker took has its group
    const [open] = await rows<{ n: number }>(f.database.db, sql`SELECT count(*)::int AS n FROM leases WHERE submitted_hash IS NULL`)
    expect(open.n).toBe(0)
    const versions = await rows<{ v: number; n: number }>(
      f.database.db,
      sql`SELECT policy_version AS v, count(*)::int AS n FROM groups GROUP BY 1 ORDER BY 1`,
    )
    expect(versions.map((r) => r.v)).toEqual([0, 1])
    expect(w.policyVersion).toBeNull() // closed after run
  })

  it('leaseBatch: leases several prompts per request and submits their groups in one POST /v1/groups', async () => {
    const edge = new EdgeClient({ baseUrl: f.server.url, key: f.workerKey, backoff: { baseMs: 20, capMs: 200 } })
    const calls: string[] = []
    const leaseMany = edge.leaseMany.bind(edge)
    const submitMany = edge.submitMany.bind(edge)
    edge.leaseMany = (task, n, b) => (calls.push(`leaseMany ${n}`), leaseMany(task, n, b))
    edge.submitMany = (gs, b) => (calls.push(`submitMany ${gs.length}`), submitMany(gs, b))
    const [before] = await rows<{ n: number }>(f.database.db, sql`SELECT count(*)::int AS n FROM groups`)
    const s = await worker({ edge, leaseBatch: 3, maxGroups: 5 }).run()
    expect(s).toMatchObject({ groups: 5, errors: 0, expired: 0 })
    expect(calls).toEqual(['leaseMany 3', 'submitMany 3', 'leaseMany 2', 'submitMany 2'])
    const [after] = await rows<{ n: number }>(f.database.db, sql`SELECT count(*)::int AS n FROM groups`)
    expect(after.n - before.n).toBe(5)
    const [open] = await rows<{ n: number }>(f.database.db, sql`SELECT count(*)::int AS n FROM leases WHERE submitted_hash IS NULL`)
    expect(open.n).toBe(0)
  })

  it('a group that cannot be generated is counted and dropped (its lease expires), with a backoff', async () => {
    const task = await createTask(f.database.db, {
      name: 'too-long', verifier: { type: 'exact' }, groupSize: 2, maxNewTokens: 4, temperature: 1, topP: 1, topK: 0, leaseSeconds: 60,
    })
    // 40 bytes: longer than the published model's prompt bucket (24)
    await insertPrompts(f.database.db, task!.id, [{ text: 'Calculate 1+2+3+4+5+6+7+8+9+1+2+3+4+5=', answer: '60' }, { text: 'x'.repeat(40), answer: 'y' }])
    const lines: string[] = []
    const w = worker({ task: 'too-long', maxGroups: 2, log: (l) => lines.push(l), backoff: { baseMs: 100, capMs: 100, random: () => 1 } })
    const t0 = Date.now()
    const s = await w.run()
    expect(s).toMatchObject({ groups: 0, errors: 2 })
    expect(lines.filter((l) => /dropped: .*prompt bucket/.test(l))).toHaveLength(2)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190) // 100 ms after each failure
    const [open] = await rows<{ n: number }>(
      f.database.db,
      sql`SELECT count(*)::int AS n FROM leases l JOIN tasks t ON t.id = l.task_id WHERE t.name = 'too-long' AND l.submitted_hash IS NULL`,
    )
    expect(open.n).toBe(2) // left to expire at the edge; nothing stored
  })

  it('refuses a published version whose files do not match its sha256 and keeps the current one', async () => {
    const v = await f.publishTiny(3, 20) // version 2
    writeFileSync(join(fileURLToPath(v.artifactUri), 'config.json'), '{"tampered": true}')
    const lines: string[] = []
    const w = worker({ maxGroups: 3, log: (l) => lines.push(l) })
    const s = await w.run()
    expect(s.errors).toBe(0)
    expect(Object.keys(s.byVersion)).toEqual(['1']) // the newest version that verifies
    expect(lines.filter((l) => /model v2 refused: .*config\.json/.test(l))).toHaveLength(1) // refused once, not per lease
  })
})
