/**
 * Prompt ids through `cohort rollout --engine openai`: the worker reads the served version's tokenizer and
 * cohort_prompt_bos from its published files and sends every prompt as the ids the learner rebuilds
 * (service/batch.ts prepareGroup → tokenizer/chat.ts promptIds). Real edge and database, a real
 * OpenAI-compatible engine backed by Cohort's ONNX generator (which, like vLLM, adds the model's BOS to a text
 * prompt when the version says so), the learner's own prepareGroup and log-prob recomputation.
 */
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EdgeClient, EnginePolicies, RolloutWorker, type EngineReload } from '../../../learner/rollout/index.js'
import { groupDisagreement, prepareGroup, type PreparedGroup } from '../../../learner/service/index.js'
import { Trainer } from '../../../learner/trainer/index.js'
import { BYTE_BOS, byteTokenizer } from '../../../learner/tokenizer/index.js'
import { loadCheckpoint } from '../../../learner/io/index.js'
import { arithmeticTask } from '../../../learner/demo/arith.js'
import { createTask, getModel, insertPrompts, loadGroups, rows } from '../../../schema/queries/index.js'
import { sql } from 'drizzle-orm'
import { rolloutFixture, TINY, type RolloutFixture } from './fixture.js'
import { startTestEngine, type TestEngine } from './openai-engine.js'

/** a chat template over the byte tokenizer: "system|user>" */
const TEMPLATE = "{% for m in messages %}{{ m.content }}{% if m.role == 'system' %}|{% endif %}{% endfor %}{% if add_generation_prompt %}>{% endif %}"
const tokenizer = byteTokenizer(TEMPLATE)
/** what a learner run with --add-bos prepares (the published v0 says cohort_prompt_bos: true) */
const learner = { tokenizer, config: TINY, addBos: true, temperature: 1, maskTruncated: false }

let f: RolloutFixture
let engine: TestEngine
beforeAll(async () => {
  f = await rolloutFixture()
  const v0 = await f.publishTiny(1, 0, { tokenizer, promptBos: true })
  engine = await startTestEngine(fileURLToPath(v0.artifactUri))
  const chat = await createTask(f.database.db, {
    name: 'arith-chat', verifier: { type: 'exact' }, groupSize: 4, maxNewTokens: 6, temperature: 1, topP: 1, topK: 0, leaseSeconds: 120,
    chat: { system: 'S' },
  })
  const { train } = arithmeticTask({ train: 10, heldOut: 0, seed: 5 })
  await insertPrompts(f.database.db, chat!.id, train.map((t) => ({ text: t.prompt, answer: t.answer })))
})
afterAll(async () => {
  await engine?.close()
  await f?.close()
})

function worker(task: string, maxGroups: number, log: string[] = [], servedVersion = 0, reload: EngineReload = { kind: 'none' }) {
  const edge = new EdgeClient({ baseUrl: f.server.url, key: f.workerKey, backoff: { baseMs: 20, capMs: 200 } })
  return new RolloutWorker({
    edge,
    task,
    maxGroups,
    policies: new EnginePolicies(edge, join(f.dir, 'engine-cache'), { baseUrl: engine.url, model: 'tiny', logprobsMode: 'cohort', reload, servedVersion }, (l) => log.push(l)),
    log: (l) => log.push(l),
  })
}

const groupIds = async () => (await rows<{ id: number }>(f.database.db, sql`select id from groups order by id`)).map((r) => r.id)
const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort()

/** Run `w`; the prompts the engine was sent, the learner's prepared groups, and the worst log-prob disagreement under v0. */
async function run(w: RolloutWorker) {
  const before = { groups: (await groupIds()).length, prompts: engine.prompts.length }
  const stats = await w.run()
  const fresh = (await groupIds()).slice(before.groups)
  const prepared = (await loadGroups(f.database.db, fresh)).map((g) => prepareGroup(g, learner) as PreparedGroup)
  const ck = await loadCheckpoint(fileURLToPath((await getModel(f.database.db, 0))!.artifactUri))
  const trainer = new Trainer(ck.config, ck.params)
  let worst = 0
  for (const p of prepared) {
    const lp = await trainer.logprobs({ inputIds: p.rows.map((r) => r.inputIds), completionMask: p.rows.map((r) => r.completionMask) }, { temperature: 1 })
    worst = Math.max(worst, groupDisagreement(p.rows, lp.logprobs)!.maxAbsDiff)
  }
  return { stats, sent: engine.prompts.slice(before.prompts), prepared, worst }
}

describe('engine rollouts prompt with the learner’s ids', () => {
  it('a text task under cohort_prompt_bos: the engine is sent exactly the prompt ids prepareGroup rebuilds (BOS first)', async () => {
    const { stats, sent, prepared, worst } = await run(worker('arith', 3))
    expect(stats.groups).toBe(3)
    expect(stats.errors).toBe(0)
    expect(sent.every((p) => Array.isArray(p) && p[0] === BYTE_BOS)).toBe(true)
    const rebuilt = prepared.map((p) => p.rows[0].inputIds.slice(0, p.rows[0].promptLength))
    expect(sorted(rebuilt)).toEqual(sorted(sent))
    console.log(`engine (text, BOS) vs learner --add-bos log-probs: max |Δ| = ${worst.toExponential(2)}`)
    expect(worst).toBeLessThan(1e-4)
  })

  it('a chat task is served end to end: rendered with the version’s template, sent as ids, rebuilt identically', async () => {
    const { stats, sent, prepared, worst } = await run(worker('arith-chat', 2))
    expect(stats.errors).toBe(0)
    expect(stats.groups).toBe(2)
    const rebuilt = prepared.map((p) => p.rows[0].inputIds.slice(0, p.rows[0].promptLength))
    expect(sorted(rebuilt)).toEqual(sorted(sent))
    for (const [i, p] of prepared.entries())
      expect(rebuilt[i]).toEqual(tokenizer.encode(`S|${p.group.promptText}>`)) // the template writes no BOS; addBos is for raw text only
    expect(worst).toBeLessThan(1e-4)
  })

  it('an engine that conditions on other prompt ids than it was sent has its group refused, never submitted', async () => {
    const log: string[] = []
    engine.prepend = BYTE_BOS // a server adding its own BOS in front of the ids
    try {
      const { stats } = await run(worker('arith', 1, log))
      expect(stats.groups).toBe(0)
      expect(stats.errors).toBe(1)
      expect(log.join('\n')).toMatch(/conditioned on prompt ids \[257, 257, .*refusing the group/)
    } finally {
      engine.prepend = undefined
    }
  })

  it('a version without tokenizer files: text prompts go as text (logged once), chat prompts are refused', async () => {
    await f.publishTiny(2, 1, { tokenizer: null })
    const log: string[] = []
    const { stats, sent } = await run(worker('arith', 2, log, 1))
    expect(stats.groups).toBe(2)
    expect(sent.every((p) => typeof p === 'string')).toBe(true)
    expect(log.filter((l) => /model v1 lists no tokenizer files/.test(l))).toHaveLength(1)
    const chat = await run(worker('arith-chat', 1, log, 1))
    expect(chat.stats.groups).toBe(0)
    expect(log.join('\n')).toMatch(/chat prompts need the model tokenizer/)
  })
  it('a version the engine switches to brings its own tokenization (read from the downloaded folder)', async () => {
    await f.publishTiny(1, 2, { tokenizer, promptBos: true }) // v2: v0's weights, so v0's recomputation applies
    const log: string[] = []
    const { stats, sent, prepared, worst } = await run(worker('arith', 2, log, 1, { kind: 'sglang' }))
    expect(log.join('\n')).toMatch(/engine now serves model v2/)
    expect(stats.groups).toBe(2)
    expect(prepared.map((p) => p.group.policyVersion)).toEqual([2, 2])
    expect(sent.every((p) => Array.isArray(p) && p[0] === BYTE_BOS)).toBe(true)
    expect(sorted(prepared.map((p) => p.rows[0].inputIds.slice(0, p.rows[0].promptLength)))).toEqual(sorted(sent))
    expect(worst).toBeLessThan(1e-4)
  })
})
