/**
 * bench:learn-loop — what the learn loop costs on top of the bare GRPO update, on this machine's CPU.
 *   loop:     Learner.iterate() over a queue of stored groups: claim → load → old log-probs recomputed under
 *             the generating version (one forward per group) → GRPO step → commit → publish every 4 steps →
 *             checkpoint every 4 — the real service, on the embedded PGlite (or DATABASE_URL).
 *   baseline: Trainer.step() on the very same batches with nothing else (old log-probs taken from the current
 *             weights inside the step graph, μ = 1: what a learner without the service would run).
 * Both after one warmup step, same model (byte-level Llama, ~3M parameters), same TrainConfig, 2 threads.
 * Completion tokens/s = trained completion tokens / wall time. Groups carry no reported log-probs (the check
 * itself is a comparison; the forward it needs is counted).
 *
 *   npm run bench:learn-loop [-- --steps 6 --groups 2 --group-size 8 --completion 64]
 * The last line is the headline: loop tokens/s, baseline tokens/s and their ratio.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { countParams } from '../learner/config.js'
import { CheckpointStore, LocalArtifactStore } from '../learner/publish/index.js'
import { createRng } from '../learner/sample/index.js'
import { Learner, resolveLearnConfig, tinyModel } from '../learner/service/index.js'
import { Trainer, type GrpoBatch } from '../learner/trainer/index.js'
import { openDatabase } from '../schema/db.js'
import { migrateDatabase } from '../schema/migrate.js'
import { createKey, createTask, insertPrompts, leasePrompt, submitGroup } from '../schema/queries/index.js'
import { batchAdvantages } from '../common/advantages.js'

const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '6' },
    groups: { type: 'string', default: '2' },
    'group-size': { type: 'string', default: '8' },
    completion: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
  },
})
const STEPS = Number(a.steps)
const GROUPS = Number(a.groups)
const G = Number(a['group-size'])
const C = Number(a.completion)
const THREADS = Number(a.threads)
const MODEL = { hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 688, max_position_embeddings: 256 }
const train = { lr: 1e-4, microBatchSize: GROUPS * G, threads: THREADS, entropy: true }

const database = await openDatabase(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: 'memory://' })
await migrateDatabase(database)
const { db } = database
const dir = await mkdtemp(join(tmpdir(), 'cohort-bench-learn-'))
const rng = createRng(1)

// ── the queue: (STEPS + 1) batches of GROUPS groups, G completions of C random printable bytes each ─────────────
const task = (await createTask(db, {
  name: `bench-${Date.now()}`,
  verifier: { type: 'exact' },
  groupSize: G,
  maxNewTokens: C,
  temperature: 1,
  topP: 1,
  topK: 0,
  leaseSeconds: 600,
}))!
const total = (STEPS + 1) * GROUPS
await insertPrompts(db, task.id, Array.from({ length: total }, (_, i) => ({ text: `${i % 97}*${i % 89}=`, answer: '0' })))
const worker = await createKey(db, 'worker', 'bench')
const stored: { prompt: string; completions: number[][]; rewards: number[] }[] = []
for (let i = 0; i < total; i++) {
  const lease = (await leasePrompt(db, { taskId: task.id, workerKeyId: worker.id, leaseSeconds: 600 }))!
  const completions = Array.from({ length: G }, () => Array.from({ length: C }, () => 32 + Math.floor(rng.next() * 95)))
  const rewards = completions.map(() => (rng.next() < 0.5 ? 1 : 0))
  stored.push({ prompt: lease.text, completions, rewards })
  await submitGroup(db, {
    leaseId: lease.leaseId,
    workerKeyId: worker.id,
    bodyHash: `bench-${i}`,
    policyVersion: 0,
    status: 'ready',
    rewardMean: null,
    rewardStd: null,
    completions: completions.map((ids, k) => ({ text: '', tokenIds: ids, reward: rewards[k], finishReason: 'length', details: {} })),
  })
}

// ── loop ────────────────────────────────────────────────────────────────────────────────────────────────────
const learner = await Learner.open(
  {
    db,
    store: new LocalArtifactStore(join(dir, 'artifacts')),
    checkpoints: new CheckpointStore(join(dir, 'checkpoints')),
    base: async () => tinyModel(1, MODEL),
    train,
    progress: { step: () => {}, log: () => {} },
  },
  resolveLearnConfig({ owner: 'bench', batchGroups: GROUPS, publishEvery: 4, checkpointEvery: 4, maxStaleness: 1000, quiet: true }),
)
const params = countParams(learner.trainer.model)
await learner.iterate() // warmup: graph building, sessions
let t0 = performance.now()
for (let s = 0; s < STEPS; s++) if ((await learner.iterate()) !== 'trained') throw new Error('bench: the loop ran dry')
const loopSeconds = (performance.now() - t0) / 1000
const tokens = STEPS * GROUPS * G * C
await learner.close()

// ── baseline: bare Trainer.step on the same batches ─────────────────────────────────────────────────────────
const base = tinyModel(1, MODEL)
const trainer = new Trainer(base.config, base.params, train, { tokenizer: base.tokenizer })
const batchOf = (k: number): GrpoBatch => {
  const groups = stored.slice(k * GROUPS, (k + 1) * GROUPS)
  const inputIds = groups.flatMap((g) => g.completions.map((c) => [...base.tokenizer!.encode(g.prompt), ...c]))
  return {
    inputIds,
    completionMask: groups.flatMap((g) => g.completions.map((c) => [...base.tokenizer!.encode(g.prompt).map(() => 0), ...c.map(() => 1)])),
    advantages: batchAdvantages(groups.map((g) => g.rewards)).advantages.flat(),
  }
}
await trainer.step(batchOf(0))
t0 = performance.now()
for (let s = 1; s <= STEPS; s++) await trainer.step(batchOf(s))
const bareSeconds = (performance.now() - t0) / 1000
await trainer.close()
await database.close()
await rm(dir, { recursive: true, force: true })

const loop = tokens / loopSeconds
const bare = tokens / bareSeconds
console.log(`model ${(params / 1e6).toFixed(1)}M params, ${STEPS} timed steps of ${GROUPS} groups × ${G} × ${C} completion tokens, ${THREADS} threads, ${database.kind}`)
console.log(`loop (claim → old log-probs → step → commit → publish/checkpoint every 4): ${(loopSeconds / STEPS).toFixed(3)} s/step`)
console.log(`bare Trainer.step:                                                       ${(bareSeconds / STEPS).toFixed(3)} s/step`)
console.log(`learn loop ${loop.toFixed(0)} completion tok/s vs bare Trainer.step ${bare.toFixed(0)} tok/s = ${(loop / bare).toFixed(2)}× (service overhead ${((bare / loop - 1) * 100).toFixed(0)}%)`)
