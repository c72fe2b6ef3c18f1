/**
 * The learn loop end to end on a real database and real onnxruntime, with a tiny byte-level Llama:
 * rollouts come from the published version 0 through the real OnnxGenerator (so reported log-probs are the
 * sampler's), then the learner trains, flags dishonest or malformed groups, marks stale ones, publishes,
 * and a second learner resumes to bit-identical weights by replaying the committed log.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadInferenceModel, OnnxGenerator } from '../../../learner/generate/index.js'
import { loadCheckpoint } from '../../../learner/io/index.js'
import { CheckpointStore, LocalArtifactStore, verifyVersion } from '../../../learner/publish/index.js'
import {
  Learner,
  pollWait,
  prepareGroup,
  resolveLearnConfig,
  tinyModel,
  groupDisagreement,
  type LearnerDeps,
  type PreparedGroup,
} from '../../../learner/service/index.js'
import { claimReadyGroups, getModel, stats, getTrainStep, listVersions, loadGroups, releaseClaims, rows, type NewCompletion } from '../../../schema/queries/index.js'
import { freshDatabase, type TestDatabase } from '../../helpers/db.js'
import { seedGroups } from './seed.js'

const G = 4
let t: TestDatabase
let deps: LearnerDeps
let dir: string
const learners: Learner[] = []
const silent = { step: () => {}, log: () => {} }
const config = resolveLearnConfig({
  owner: 'learner-test',
  batchGroups: 2,
  batchWaitMs: 0, // train at once on whatever is ready (the full-batch wait has its own test)
  maxStaleness: 0,
  publishEvery: 2,
  checkpointEvery: 3,
  inferenceBucket: { batch: 4, promptLength: 8, cacheLength: 16 },
  quiet: true,
})
const train = { lr: 3e-3, microBatchSize: 8, buckets: { rows: [8], seq: [16] }, scoreQuantum: 4, threads: 1 }

beforeAll(async () => {
  t = await freshDatabase()
  dir = await mkdtemp(join(tmpdir(), 'cohort-learn-'))
  deps = {
    db: t.db,
    store: new LocalArtifactStore(join(dir, 'artifacts')),
    checkpoints: new CheckpointStore(join(dir, 'checkpoints')),
    base: async () => tinyModel(7),
    train,
    progress: silent,
  }
})
afterAll(async () => {
  for (const l of learners) await l.close()
  await t?.drop()
})

const open = async () => {
  const l = await Learner.open(deps, config)
  learners.push(l)
  return l
}
const statuses = async (ids: number[]) =>
  (await rows<{ status: string }>(t.db, sql`select status from groups where id in ${ids} order by id`)).map((r) => r.status)

/** Completions sampled from version `v` by the real generator; reward = 1 when the first sampled byte is even. */
async function sampler(v: number) {
  const row = (await getModel(t.db, v))!
  const gen = new OnnxGenerator(await loadInferenceModel(fileURLToPath(row.artifactUri)), { threads: 1 })
  let seed = 100
  return async (_i: number, prompt: string): Promise<NewCompletion[]> => {
    const [g] = await gen.generate([prompt], { n: G, maxNewTokens: 6, temperature: 1, seed: seed++ })
    // an untrained byte model emits NUL bytes, which Postgres text cannot hold: the text is for display only
    return g.completions.map((c) => ({ ...c, text: c.text.replaceAll('\0', ''), reward: c.tokenIds[0] % 2 === 0 ? 1 : 0, details: {} }))
  }
}

describe('Learner', () => {
  let first: Learner
  let honest: number[]
  let tampered: number
  let unknown: number

  it('starts from the base model and publishes it as version 0', async () => {
    first = await open()
    expect(first.step).toBe(0)
    const v0 = (await getModel(t.db, 0))!
    expect(v0.step).toBe(0)
    expect(await verifyVersion(deps.store, v0)).toEqual({ ok: true, problems: [] })
    const base = tinyModel(7)
    const published = await loadCheckpoint(fileURLToPath(v0.artifactUri))
    for (const [k, p] of base.params) expect(published.params.get(k)).toEqual(p)
  })

  it('trains honest groups, flags faked log-probs and unknown versions, commits metrics per step', async () => {
    const sample = await sampler(0)
    tampered = (
      await seedGroups(t.db, {
        groups: 1,
        groupSize: G,
        completions: async (i, p) => (await sample(i, p)).map((c) => ({ ...c, logprobs: c.logprobs!.map((x) => x + 0.5) })),
      })
    ).groupIds[0]
    unknown = (await seedGroups(t.db, { groups: 1, groupSize: G, policyVersion: 99 })).groupIds[0]
    honest = (await seedGroups(t.db, { groups: 4, groupSize: G, completions: sample })).groupIds
    const before = new Map([...first.trainer.params].map(([k, v]) => [k, v.slice()]))
    const results = []
    for (let i = 0; i < 6 && results.at(-1) !== 'idle'; i++) results.push(await first.iterate())
    expect(results).toEqual(['rejected', 'trained', 'trained', 'idle']) // oldest first: the bad pair, then 2 + 2 honest
    expect(first.step).toBe(2)
    expect(await statuses(honest)).toEqual(['trained', 'trained', 'trained', 'trained'])
    expect(await statuses([tampered, unknown])).toEqual(['discarded', 'discarded'])
    const flags = await rows<{ id: number; flags: any }>(t.db, sql`select id, flags from groups where id in ${[tampered, unknown]} order by id`)
    expect(flags[0].flags.logprob_mismatch.maxAbsDiff).toBeCloseTo(0.5, 3)
    expect(flags[1].flags).toHaveProperty('unknown_policy_version')
    // per worker key in /v1/stats (and the dashboard): the tampering worker's group counts as a log-prob mismatch
    const w = (await stats(t.db)).workers
    expect(w[0].logprobMismatch).toBe(1)
    expect(w.reduce((n, x) => n + x.logprobMismatch, 0)).toBe(1)
    // the weights moved
    const moved = [...before].some(([k, v]) => first.trainer.params.get(k)!.some((x, j) => x !== v[j]))
    expect(moved).toBe(true)
    // one metrics row per step, TRL names, reward = mean of that step's rewards
    const s1 = (await getTrainStep(t.db, 1))!
    for (const k of ['reward', 'reward_std', 'frac_reward_zero_std', 'entropy', 'clip_ratio/low_mean', 'clip_ratio/high_mean', 'grad_norm', 'completions/mean_length', 'completions/clipped_ratio', 'tokens_per_second', 'policy_version_lag'])
      expect(Number.isFinite((s1.metrics as any)[k]), k).toBe(true)
    expect(s1.metrics).not.toHaveProperty('kl') // β 0 (the default): no reference model scored, so no kl (TRL logs none either)
    const r1 = await rows<{ m: number }>(t.db, sql`select avg(c.reward) as m from completions c join groups g on g.id = c.group_id where g.trained_step = 1`)
    expect((s1.metrics as any).reward).toBeCloseTo(Number(r1[0].m), 9)
    expect(s1.groupCount).toBe(2)
  })

  it('the sampler’s reported log-probs equal the learner’s recomputation under the same version (1e-4)', async () => {
    const v0 = await loadCheckpoint(fileURLToPath((await getModel(t.db, 0))!.artifactUri))
    const groups = await loadGroups(t.db, honest)
    const opts = { tokenizer: v0.tokenizer!, config: v0.config, addBos: false, temperature: 1, maskTruncated: false }
    let worst = 0
    for (const g of groups) {
      const p = prepareGroup(g, opts) as PreparedGroup
      const rows = { inputIds: p.rows.map((r) => r.inputIds), completionMask: p.rows.map((r) => r.completionMask) }
      worst = Math.max(worst, groupDisagreement(p.rows, (await first.trainer.logprobs(rows, { weights: v0.params, temperature: 1 })).logprobs)!.maxAbsDiff)
    }
    console.log(`sampler vs learner log-probs: max |Δ| = ${worst.toExponential(2)} over ${groups.length * G} completions`)
    expect(worst).toBeLessThan(1e-4)
  })

  it('published version 1 at step 2 holds exactly the live weights', async () => {
    const versions = await listVersions(t.db)
    expect(versions.map((v) => [v.version, v.step])).toEqual([[0, 0], [1, 2]])
    expect(await verifyVersion(deps.store, versions[1])).toEqual({ ok: true, problems: [] })
    const published = await loadCheckpoint(fileURLToPath(versions[1].artifactUri))
    for (const [k, p] of first.trainer.params) expect(published.params.get(k)).toEqual(p)
  })

  it('marks groups from a version older than maxStaleness stale, without training on them', async () => {
    const old = (await seedGroups(t.db, { groups: 1, groupSize: G, policyVersion: 0 })).groupIds
    expect(await first.iterate()).toBe('idle')
    expect(await statuses(old)).toEqual(['stale'])
    expect(first.step).toBe(2)
  })

  it('a restarted learner replays the committed steps to the very same weights', async () => {
    // no checkpoint yet (checkpointEvery 3): version 0 + two replayed steps
    expect(await deps.checkpoints.latest()).toBeNull()
    const second = await open()
    expect(second.step).toBe(2)
    for (const [k, p] of first.trainer.params) expect(second.trainer.params.get(k), k).toEqual(p)
    // it wrote a checkpoint so the replay is not repeated, and published nothing new
    expect((await deps.checkpoints.latest())?.step).toBe(2)
    expect((await listVersions(t.db)).length).toBe(2)
    // and carries on from there: groups sampled from version 1
    const more = (await seedGroups(t.db, { groups: 2, groupSize: G, policyVersion: 1, completions: await sampler(1) })).groupIds
    expect(await second.iterate()).toBe('trained')
    expect(await statuses(more)).toEqual(['trained', 'trained'])
    expect((await getTrainStep(t.db, 3))!.policyVersion).toBe(1)
    expect((await deps.checkpoints.latest())?.step).toBe(3)
  })

  it('a claim lost mid-step commits nothing and rolls the live weights back to the committed state', async () => {
    let steal = true
    let before: Map<string, Float32Array> | undefined
    let movedByStep = false
    const thief = await Learner.open(
      {
        ...deps,
        onPhase: async (p) => {
          if (p !== 'commit' || !steal) return
          steal = false // another learner takes the groups while this one is still stepping
          movedByStep = [...before!].some(([k, v]) => thief.trainer.params.get(k)!.some((x, j) => x !== v[j]))
          await releaseClaims(t.db, { owner: config.owner })
          await claimReadyGroups(t.db, { owner: 'thief', limit: 10, claimTtlMs: 60_000 })
        },
      },
      config,
    )
    learners.push(thief)
    expect(thief.step).toBe(3)
    const ids = (await seedGroups(t.db, { groups: 2, groupSize: G, policyVersion: 1 })).groupIds
    before = new Map([...thief.trainer.params].map(([k, v]) => [k, v.slice()]))
    expect(await thief.iterate()).toBe('claim_lost')
    expect(movedByStep).toBe(true) // the step had changed the live weights before the commit failed
    expect(thief.step).toBe(3)
    expect(await getTrainStep(t.db, 4)).toBeNull()
    expect(await statuses(ids)).toEqual(['claimed', 'claimed'])
    for (const [k, p] of before) expect(thief.trainer.params.get(k), k).toEqual(p)
    await releaseClaims(t.db, { owner: 'thief' })
  })

  it('replays bit for bit a step whose batch also held a flagged group (full replay; foreign checkpoints ignored)', async () => {
    const live = await open()
    while ((await live.iterate()) !== 'idle'); // the previous test's groups first
    const v = live.version.version // maxStaleness 0: only the newest version's groups are fresh
    const sample = await sampler(v)
    const ids = (
      await seedGroups(t.db, {
        groups: 2,
        groupSize: G,
        policyVersion: v,
        completions: async (i, p) => (await sample(i, p)).map((c) => ({ ...c, logprobs: i === 0 ? c.logprobs!.map((x) => x - 1) : c.logprobs })),
      })
    ).groupIds
    expect(await live.iterate()).toBe('trained')
    expect(await statuses(ids)).toEqual(['discarded', 'trained'])
    // a checkpoint folder from another lineage (another database's version 0) must be ignored, not trusted
    const foreign = new CheckpointStore(join(dir, 'foreign-checkpoints'))
    await foreign.save(2, async (d) => {
      await live.trainer.save(d)
      await writeFile(join(d, 'lineage.json'), JSON.stringify({ base: 'f'.repeat(64) }))
    })
    let replays = 0
    const replayed = await Learner.open({ ...deps, checkpoints: foreign, onPhase: (p) => void (p === 'replay' && replays++) }, config)
    learners.push(replayed)
    expect(replays).toBe(live.step) // everything replayed from version 0
    expect(replayed.step).toBe(live.step)
    for (const [k, p] of live.trainer.params) expect(replayed.trainer.params.get(k), k).toEqual(p)
  })

  it('waits up to batchWaitMs for a full batch, then trains on what is ready', async () => {
    const waiting = await Learner.open(deps, { ...config, batchWaitMs: 400 })
    learners.push(waiting)
    while ((await waiting.iterate()) !== 'idle');
    const v = waiting.version.version
    const sample = await sampler(v)
    const [one] = (await seedGroups(t.db, { groups: 1, groupSize: G, policyVersion: v, completions: sample })).groupIds
    expect(await waiting.iterate()).toBe('waiting') // 1 of 2 ready: wait for a full batch
    expect(await statuses([one])).toEqual(['ready'])
    const [two] = (await seedGroups(t.db, { groups: 1, groupSize: G, policyVersion: v, completions: sample })).groupIds
    const stepBefore = waiting.step
    expect(await waiting.iterate()).toBe('trained') // the batch filled up within the wait: both in one step
    expect(await statuses([one, two])).toEqual(['trained', 'trained'])
    expect(waiting.step).toBe(stepBefore + 1)

    const [three] = (await seedGroups(t.db, { groups: 1, groupSize: G, policyVersion: waiting.version.version, completions: await sampler(waiting.version.version) })).groupIds
    const waitFrom = performance.now()
    expect(await waiting.iterate()).toBe('waiting')
    while ((await waiting.iterate()) === 'waiting') await new Promise((r) => setTimeout(r, 50))
    expect(performance.now() - waitFrom).toBeGreaterThanOrEqual(400)
    expect(await statuses([three])).toEqual(['trained']) // the wait ran out: trained alone
  })

  it('polls an empty queue soon after data ran dry, then less often (25 ms doubling up to pollMs)', () => {
    expect([0, 1, 2, 5, 6, 40].map((k) => pollWait(k, 1000))).toEqual([25, 50, 100, 800, 1000, 1000])
    expect(pollWait(0, 10)).toBe(10)
  })

  it('records in each step how long it waited for data before it (data_wait_s: what bench:backpressure reads)', async () => {
    const l = await Learner.open(deps, { ...config, pollMs: 50 })
    learners.push(l)
    while ((await l.iterate()) !== 'idle');
    const before = l.step
    const ac = new AbortController()
    const running = l.run(ac.signal).catch(() => {}) // aborting its poll's sleep ends it
    await new Promise((r) => setTimeout(r, 400)) // nothing ready: ~8 idle polls
    await seedGroups(t.db, { groups: 1, groupSize: G, policyVersion: l.version.version, completions: await sampler(l.version.version) })
    while (l.step === before) await new Promise((r) => setTimeout(r, 20))
    ac.abort()
    await running
    const [{ metrics }] = await rows<{ metrics: Record<string, number> }>(t.db, sql`SELECT metrics FROM train_steps WHERE step = ${before + 1}`)
    expect(metrics.data_wait_s).toBeGreaterThanOrEqual(0.35)
    expect(metrics.data_wait_s).toBeLessThan(5)
  })
})
