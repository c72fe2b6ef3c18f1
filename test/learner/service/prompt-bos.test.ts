/**
 * `cohort learn --add-bos` end to end: the learner publishes cohort_prompt_bos with every version, a rollout
 * worker opening that version (the real OnnxGenerator, no option of its own) prompts with BOS as the learner does,
 * and the learner recomputes the worker's reported log-probs to float precision and trains on the groups. Real
 * database, real onnxruntime, a tiny byte-level Llama with weights large enough that context matters.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadInferenceModel, OnnxGenerator } from '../../../learner/generate/index.js'
import { initParams } from '../../../learner/io/index.js'
import { CheckpointStore, LocalArtifactStore } from '../../../learner/publish/index.js'
import { groupDisagreement, Learner, prepareGroup, resolveLearnConfig, tinyModel, type LearnerDeps, type PreparedGroup } from '../../../learner/service/index.js'
import { Trainer } from '../../../learner/trainer/index.js'
import { BYTE_BOS } from '../../../learner/tokenizer/index.js'
import { getModel, loadGroups, rows, type NewCompletion } from '../../../schema/queries/index.js'
import { sql } from 'drizzle-orm'
import { freshDatabase, type TestDatabase } from '../../helpers/db.js'
import { seedGroups } from './seed.js'

const G = 4
let t: TestDatabase
let dir: string
let learner: Learner
let deps: LearnerDeps
const others: Learner[] = []
const base = tinyModel(7)
base.params = initParams(base.config, 7, 0.5) // peaked distributions: a BOS more or less changes the log-probs
const config = resolveLearnConfig({
  owner: 'prompt-bos-test',
  batchGroups: 2,
  batchWaitMs: 0,
  addBos: true,
  inferenceBucket: { batch: 4, promptLength: 8, cacheLength: 16 },
  quiet: true,
})

beforeAll(async () => {
  t = await freshDatabase()
  dir = await mkdtemp(join(tmpdir(), 'cohort-learn-bos-'))
  deps = {
    db: t.db,
    store: new LocalArtifactStore(join(dir, 'artifacts')),
    checkpoints: new CheckpointStore(join(dir, 'checkpoints')),
    base: async () => base,
    train: { lr: 1e-3, microBatchSize: 8, buckets: { rows: [8], seq: [16] }, scoreQuantum: 4, threads: 1 },
    progress: { step: () => {}, log: () => {} },
  }
  learner = await Learner.open(deps, config)
})
afterAll(async () => {
  await learner?.close()
  for (const l of others) await l.close()
  await t?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Groups sampled by a worker on version 0 (its own prompt tokenization, from the version's files). */
async function sampledGroups(groups: number, prompts: number[][] = []) {
  const gen = new OnnxGenerator(await loadInferenceModel(fileURLToPath((await getModel(t.db, 0))!.artifactUri)), { threads: 1 })
  let seed = 1
  const sample = async (_i: number, prompt: string): Promise<NewCompletion[]> => {
    const [g] = await gen.generate([prompt], { n: G, maxNewTokens: 6, temperature: 1, seed: seed++ })
    prompts.push(g.promptTokenIds)
    return g.completions.map((c) => ({ ...c, text: c.text.replaceAll('\0', ''), reward: c.tokenIds[0] % 2, details: {} }))
  }
  const { groupIds } = await seedGroups(t.db, { groups, groupSize: G, completions: sample })
  await gen.close()
  return groupIds
}

describe('cohort learn --add-bos', () => {
  it('a learner without --add-bos does not train raw-text groups a version published with cohort_prompt_bos produced (prompt_bos_mismatch)', async () => {
    const plain = await Learner.open(deps, resolveLearnConfig({ ...config, owner: 'prompt-bos-plain', addBos: false }))
    others.push(plain)
    const ids = await sampledGroups(2)
    expect(await plain.iterate()).toBe('rejected')
    const flags = await rows<{ status: string; flags: any }>(t.db, sql`select status, flags from groups where id in ${ids} order by id`)
    for (const f of flags) {
      expect(f.status).toBe('discarded')
      expect(f.flags.prompt_bos_mismatch).toEqual({ policyVersion: 0, versionPromptBos: true, learnerAddBos: false })
    }
  })

  it('publishes cohort_prompt_bos; a worker on that version prompts with BOS and the learner trains its groups, log-probs equal', async () => {
    const v0 = fileURLToPath((await getModel(t.db, 0))!.artifactUri)
    expect(JSON.parse(await readFile(join(v0, 'config.json'), 'utf8')).cohort_prompt_bos).toBe(true)
    const prompts: number[][] = []
    const groupIds = await sampledGroups(2, prompts)
    expect(prompts.every((p) => p[0] === BYTE_BOS)).toBe(true)
    // what the learner rebuilds and recomputes for these groups
    const trainer = new Trainer(base.config, base.params)
    let worst = 0
    for (const g of await loadGroups(t.db, groupIds)) {
      const p = prepareGroup(g, { tokenizer: base.tokenizer!, config: base.config, addBos: true, temperature: 1, maskTruncated: false }) as PreparedGroup
      expect(prompts).toContainEqual(p.rows[0].inputIds.slice(0, p.rows[0].promptLength))
      const lp = await trainer.logprobs({ inputIds: p.rows.map((r) => r.inputIds), completionMask: p.rows.map((r) => r.completionMask) }, { temperature: 1 })
      worst = Math.max(worst, groupDisagreement(p.rows, lp.logprobs)!.maxAbsDiff)
    }
    await trainer.close()
    console.log(`worker (cohort_prompt_bos) vs learner --add-bos log-probs: max |Δ| = ${worst.toExponential(2)}`)
    expect(worst).toBeLessThan(1e-4)
    expect(await learner.iterate()).toBe('trained')
  })
  it('resuming that run without --add-bos is refused: its committed step no longer reproduces', async () => {
    await expect(Learner.open(deps, resolveLearnConfig({ ...config, addBos: false }))).rejects.toThrow(/replay: step 1 no longer reproduces .*prompt_bos_mismatch/)
  })
})
