/**
 * Rollouts from an engine already running (`cohort rollout --engine openai`): a real OpenAI-compatible server
 * backed by Cohort's ONNX generator, the real edge and database. Token ids and log-probs the engine reports are
 * checked against the learner's own recomputation under the version each group is tagged with; a new version
 * reaches the engine through SGLang's update_weights_from_disk or an --on-version command; an engine that does
 * not switch keeps its groups tagged with the old version.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rollout } from '../../../cli/commands/rollout.js'
import { EdgeClient, EnginePolicies, RolloutWorker, type EngineReload } from '../../../learner/rollout/index.js'
import { prepareGroup, groupDisagreement, type PreparedGroup } from '../../../learner/service/index.js'
import { Trainer } from '../../../learner/trainer/index.js'
import { byteTokenizer } from '../../../learner/tokenizer/index.js'
import { loadCheckpoint } from '../../../learner/io/index.js'
import { getModel, loadGroups, rows } from '../../../schema/queries/index.js'
import { sql } from 'drizzle-orm'
import { rolloutFixture, TINY, type RolloutFixture } from './fixture.js'
import { startTestEngine, type TestEngine } from './openai-engine.js'

let f: RolloutFixture
let engine: TestEngine
beforeAll(async () => {
  f = await rolloutFixture()
  const v0 = await f.publishTiny(1, 0)
  engine = await startTestEngine(fileURLToPath(v0.artifactUri))
})
afterAll(async () => {
  await engine?.close()
  await f?.close()
})

function worker(reload: EngineReload, maxGroups: number, log: string[] = [], servedVersion = 0) {
  const edge = new EdgeClient({ baseUrl: f.server.url, key: f.workerKey, backoff: { baseMs: 20, capMs: 200 } })
  return new RolloutWorker({
    edge,
    task: 'arith',
    maxGroups,
    policies: new EnginePolicies(edge, join(f.dir, 'engine-cache'), { baseUrl: engine.url, model: 'tiny', logprobsMode: 'cohort', reload, servedVersion }, (l) => log.push(l)),
  })
}

/** Groups stored so far, by id, with the version each was tagged with. */
const groupIds = async () => (await rows<{ id: number; policy_version: number }>(f.database.db, sql`select id, policy_version from groups order by id`))

/** The largest |reported − recomputed| log-prob over these groups, recomputed by the learner under `version`. */
async function disagreement(ids: number[], version: number): Promise<number> {
  const ck = await loadCheckpoint(fileURLToPath((await getModel(f.database.db, version))!.artifactUri))
  const trainer = new Trainer(ck.config, ck.params)
  const opts = { tokenizer: byteTokenizer(), config: TINY, addBos: false, temperature: 1, maskTruncated: false }
  let worst = 0
  for (const g of await loadGroups(f.database.db, ids)) {
    const p = prepareGroup(g, opts) as PreparedGroup
    const lp = await trainer.logprobs({ inputIds: p.rows.map((r) => r.inputIds), completionMask: p.rows.map((r) => r.completionMask) }, { temperature: 1 })
    worst = Math.max(worst, groupDisagreement(p.rows, lp.logprobs)!.maxAbsDiff)
  }
  return worst
}

describe('rollout from an OpenAI-compatible engine', () => {
  it('stores the engine’s groups with token ids and log-probs the learner recomputes (1e-4)', async () => {
    const s = await worker({ kind: 'sglang' }, 3).run()
    expect(s.groups).toBe(3)
    expect(s.errors).toBe(0)
    expect(engine.requests).toBe(3)
    const got = await groupIds()
    expect(got.map((g) => g.policy_version)).toEqual([0, 0, 0])
    const d = await disagreement(got.map((g) => g.id), 0)
    console.log(`engine vs learner log-probs (v0): max |Δ| = ${d.toExponential(2)}`)
    expect(d).toBeLessThan(1e-4)
  })

  it('a new version is loaded into the engine (SGLang update_weights_from_disk) and its groups say so', async () => {
    await f.publishTiny(2, 1)
    const before = (await groupIds()).length
    const log: string[] = []
    const s = await worker({ kind: 'sglang' }, 3, log).run()
    expect(s.errors).toBe(0)
    expect(engine.loaded).toHaveLength(1)
    expect(engine.loaded[0]).toMatch(/engine-cache\/v1-[0-9a-f]+$/) // the worker's downloaded, verified copy
    expect(log.join('\n')).toMatch(/engine now serves model v1/)
    const fresh = (await groupIds()).slice(before)
    expect(fresh.map((g) => g.policy_version)).toEqual([1, 1, 1])
    // the log-probs are v1's (and not v0's): the engine really switched
    expect(await disagreement(fresh.map((g) => g.id), 1)).toBeLessThan(1e-4)
    expect(await disagreement(fresh.map((g) => g.id), 0)).toBeGreaterThan(1e-2)
  })

  it('an engine that does not switch keeps tagging the version it serves', async () => {
    await f.publishTiny(3, 2)
    engine.refuseReload = true
    const before = (await groupIds()).length
    const log: string[] = []
    // this worker starts where the last one left the engine: v1
    const s = await worker({ kind: 'sglang' }, 2, log, 1).run()
    expect(s.groups).toBe(2)
    expect(log.join('\n')).toMatch(/engine did not load model v2, still tagging v1/)
    const fresh = (await groupIds()).slice(before)
    expect(fresh.map((g) => g.policy_version)).toEqual([1, 1])
    expect(await disagreement(fresh.map((g) => g.id), 1)).toBeLessThan(1e-4)
    engine.refuseReload = false
  })

  it('--on-version runs the command with the downloaded folder; its failure keeps the old version', async () => {
    const log: string[] = []
    const marker = join(f.dir, 'on-version.txt')
    await worker({ kind: 'command', command: `echo "$COHORT_MODEL_VERSION $COHORT_MODEL_FORMAT $COHORT_MODEL_DIR" > ${marker}; exit 3` }, 1, log, 1).run()
    expect(readFileSync(marker, 'utf8')).toMatch(/^2 onnx \/.*engine-cache\/v2-/)
    expect(log.join('\n')).toMatch(/exited 3/)
  })

  it('cohort rollout --engine openai: flags refused with one line', async () => {
    const run = (...a: string[]) => rollout.run(['--task', 'arith', '--key', 'k', ...a])
    await expect(run('--engine', 'openai', '--model', 'm')).rejects.toThrow(/needs --base-url/)
    await expect(run('--engine', 'openai', '--base-url', 'http://x')).rejects.toThrow(/needs --model/)
    await expect(run('--engine', 'tpu')).rejects.toThrow(/onnx or openai/)
    await expect(run('--base-url', 'http://x')).rejects.toThrow(/needs --engine openai/)
    await expect(run('--engine', 'openai', '--base-url', 'http://x', '--model', 'm', '--reload', 'sglang', '--on-version', 'x')).rejects.toThrow(/exclude/)
    await expect(run('--engine', 'openai', '--base-url', 'http://x', '--model', 'm', '--logprobs-mode', 'exact')).rejects.toThrow(/logprobs-mode/)
    await expect(run('--engine', 'openai', '--base-url', 'http://x', '--model', 'm', '--api-key-env', 'COHORT_NO_SUCH_VAR')).rejects.toThrow(/not set/)
  })
})
