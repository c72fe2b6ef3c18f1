/**
 * The main job end to end, shortened: embedded PGlite, edge on a free port, SFT, learner + 2 rollout workers (each
 * in its own thread, one test in the main thread) over HTTP, every reached version evaluated, dashboard data live during the run, a summary at the end. (The
 * learning curve itself is the demo's to show — minutes on 2 cores — and is recorded, not asserted here.)
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_DEMO, startDemo } from '../../../learner/demo/index.js'
import { resolveLora } from '../../../learner/lora/index.js'
import { openDatabase } from '../../../schema/db.js'
import { migrateDatabase } from '../../../schema/migrate.js'
import postgres from 'postgres'
import { insertModelVersion, latestModel } from '../../../schema/queries/index.js'
import { createServerDatabase, testServerUrl } from '../../helpers/db.js'
import { shortDemo } from '../../helpers/demo.js'

const dir = mkdtempSync(join(tmpdir(), 'cohort-demo-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('cohort demo', () => {
  it('runs SFT then GRPO with workers, evaluates versions, serves the dashboard, prints a summary', async () => {
    const h = await startDemo(
      shortDemo(dir, {
        minutes: 0.4,
        workers: 2,
        arith: { terms: 2, maxOperand: 9, ops: '+-*', train: 100, heldOut: 20 },
        evalPrompts: 20,
        sft: { steps: 40, batchSize: 16, every: 10, validation: 16 },
        learn: { publishEvery: 3 },
      }),
    )
    const key = decodeURIComponent(new URL(h.dashboard).hash.replace(/^#key=/, ''))
    let live: { steps: unknown[]; versions: unknown[] } | undefined
    for (let i = 0; i < 240 && !(live && live.steps.length > 0); i++) {
      await new Promise((r) => setTimeout(r, 250))
      const res = await fetch(`${h.url}/v1/dashboard`, { headers: { authorization: `Bearer ${key}` } }).catch(() => null)
      if (res?.ok) live = (await res.json()) as typeof live
    }
    expect(live?.steps.length, 'the dashboard shows train steps while the demo runs').toBeGreaterThan(0)
    const s = await h.done
    expect(s.learner.steps).toBeGreaterThan(0)
    expect(s.rolloutGroups).toBeGreaterThan(0)
    // SFT stopped at a validation check (every 10 steps) or ran its 40 steps
    expect(s.sftSteps === 40 || (s.sftSteps > 0 && s.sftSteps % 10 === 0)).toBe(true)
    expect(s.versions.length).toBe(Math.floor(s.learner.steps / 3) + 1) // v0 (SFT) + one per 3 steps
    const evaluated = s.versions.filter((v) => v.accuracy !== null)
    expect(evaluated[0].version).toBe(0)
    expect(evaluated.at(-1)!.version).toBe(s.versions.at(-1)!.version) // the final version is always evaluated
    expect(evaluated[0].accuracy).toBeCloseTo(s.sftAccuracy) // v0 is the SFT model, evaluated twice the same way
    expect(s.groups.trained).toBe(s.learner.groupsTrained)
    expect(s.groups.claimed ?? 0).toBe(0)
    for (const x of [s.initialAccuracy, s.sftAccuracy, s.finalAccuracy]) expect(x).toBeGreaterThanOrEqual(0)
  })

  it('--lora-rank: chat-templated LoRA GRPO end to end; versions carry merged weights and a PEFT adapter', async () => {
    const h = await startDemo(
      shortDemo(dir, {
        minutes: 0.3,
        sft: { steps: 200, batchSize: 16, every: 10, validation: 10 }, // some right answers: GRPO has signal
        learn: { publishEvery: 2 },
        chat: true,
        lora: resolveLora({ r: 8 }),
      }),
    )
    const s = await h.done
    expect(s.learner.steps).toBeGreaterThan(0)
    expect(s.learner.groupsFlagged).toBe(0) // workers' log-probs (merged weights, chat prompts) = the learner's (adapters)
    expect(s.groups.trained).toBe(s.learner.groupsTrained)
    const files = readdirSync(join(s.runDir, 'artifacts'), { recursive: true }).map(String)
    const folders = files.filter((f) => f.endsWith('model.safetensors') && !f.endsWith('adapter_model.safetensors')).length
    expect(folders).toBeGreaterThan(1) // versions with identical files share a folder (content-addressed)
    for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'tokenizer_config.json']) // the chat template travels
      expect(files.filter((x) => x.endsWith(f)).length, f).toBe(folders)
    expect(s.versions.at(-1)!.accuracy).not.toBeNull()
  })

  it('grpoSteps: GRPO stops after exactly that many learner updates, however long they take (workers in the main thread)', async () => {
    const h = await startDemo(
      shortDemo(dir, { grpoSteps: 6, workerThreads: false, sft: { steps: 5, batchSize: 8, target: 1 }, learn: { publishEvery: 3 } }),
    )
    const s = await h.done
    expect(s.learner.steps).toBe(6)
    expect(s.versions.map((v) => v.step)).toEqual([0, 3, 6])
    expect(s.versions.at(-1)!.accuracy).not.toBeNull()
  })

  it('given a real Postgres an earlier run trained in, starts over in a new database on that server', async () => {
    const server = await testServerUrl()
    if (!server) return console.warn('skipped: no Postgres server')
    const created = await createServerDatabase(server)
    const db = await openDatabase({ databaseUrl: created.url })
    let used: string | undefined
    try {
      await migrateDatabase(db)
      await insertModelVersion(db.db, { version: 0, step: 0, artifactUri: 'file:///x/', sha256: 'ab'.repeat(32), files: {}, metrics: {} })
      const h = await startDemo(
        shortDemo(dir, { databaseUrl: created.url, minutes: 0.05, arith: DEFAULT_DEMO.arith, sft: { steps: 5, batchSize: 8, target: 1 } }),
      )
      const s = await h.done
      used = s.databaseUrl
      expect(used).toMatch(/\/cohort_demo_/)
      expect(used).not.toBe(created.url)
      expect(s.versions[0].version).toBe(0)
      expect(await latestModel(db.db)).toMatchObject({ version: 0, artifactUri: 'file:///x/' }) // the old one untouched
    } finally {
      await db.close()
      await created.drop()
      if (used) {
        const admin = postgres(server, { max: 1, onnotice: () => {} })
        await admin.unsafe(`DROP DATABASE IF EXISTS ${new URL(used).pathname.slice(1)} WITH (FORCE)`)
        await admin.end()
      }
    }
  })
})
