/**
 * runDemo — Cohort's main job in one process, on a fresh machine with no servers:
 *   embedded PGlite (or --database-url) → edge on Node → task + prompts → SFT cold start (publish as v0)
 *   → learner (claim → GRPO step → publish) and W rollout workers (lease → generate → submit over HTTP)
 *   → every new version evaluated greedily on the held-out split → after --minutes: stop, summary table.
 * In one process because PGlite is one session (learner and edge must share it); the workers run in their own
 * threads (worker-thread.ts: onnxruntime computes in the calling thread, so this frees the main thread for the
 * learner) and talk to the edge over real HTTP, exactly as separate `cohort rollout` processes would.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { createDatabaseOn } from '../../schema/admin.js'
import { startNodeServer, type NodeServer } from '../../edge/node.js'
import { openDatabase, type OpenDatabase } from '../../schema/db.js'
import { migrateDatabase } from '../../schema/migrate.js'
import { createKey, createTask, groupCounts, insertPrompts, latestModel, stepThroughput, versionRows } from '../../schema/queries/index.js'
import type { VerifierSpec } from '../../verifiers/index.js'
import { inferenceModel, OnnxGenerator, type InferenceBucket } from '../generate/index.js'
import { saveCheckpoint, type Checkpoint } from '../io/index.js'
import { countParams } from '../config.js'
import { loraSpecs } from '../lora/index.js'
import { applyChatTemplate, byteTokenizer, chatMessages, promptIds, type ChatPrompt, type Tokenizer } from '../tokenizer/index.js'
import { EdgeClient, modelFileReader, type RolloutStats } from '../rollout/index.js'
import { progressTo, runLearner, tinyModel, type LearnSummary } from '../service/index.js'
import { Trainer } from '../trainer/index.js'
import { arithmeticTask, ARITH_VERIFIER, expressionsExcept, type TaskItem, type TaskSplit } from './arith.js'
import { DEFAULT_DEMO, DEMO_CHAT_TEMPLATE, DEMO_SYSTEM_PROMPT, type DemoConfig } from './config.js'
import { evaluateHeldOut, type EvalResult } from './eval.js'
import { sftColdStart, validationSplit } from './sft.js'
import { summaryTable, type DemoSummary } from './summary.js'
import { loadTaskFile } from './tasks-file.js'
import { VersionEvaluator } from './watch.js'
import { demoRolloutWorker, WorkerThread, type DemoWorker } from './worker-thread.js'

export type { DemoSummary }

const TASK = 'demo'

export interface DemoHandle {
  /** http://host:port of the edge */
  url: string
  /** the dashboard with the admin key in its fragment */
  dashboard: string
  /** end early (SIGINT): workers stop leasing, the learner stops after its step, then the summary */
  stop(): void
  done: Promise<DemoSummary>
}

/** A setup the demo refuses before starting anything (the CLI prints the message, exit 2). */
export class DemoSetupError extends Error {}

/** A fresh database `name` on the server of `url`; returns its URL. */
async function freshDatabaseOn(url: string, name: string): Promise<string> {
  try {
    return await createDatabaseOn(url, name)
  } catch (err) {
    throw new DemoSetupError(`the database at --database-url holds an earlier run's model and a fresh one cannot be made (${(err as Error).message}): point it at an empty database`)
  }
}

/** Longest prompt the demo's tiny byte-level model takes (tokens = UTF-8 bytes). */
export const MAX_DEMO_PROMPT_TOKENS = 256

/** The inference bucket for a task: prompts up to the longest one, completions up to maxNewTokens. */
function bucketFor(split: TaskSplit, tok: Tokenizer, c: DemoConfig, chat: ChatPrompt | null): InferenceBucket {
  const longest = Math.max(...[...split.train, ...split.heldOut].map((i) => promptIds(tok, i.prompt, { chat }).length))
  if (longest > MAX_DEMO_PROMPT_TOKENS)
    throw new DemoSetupError(`a prompt has ${longest} tokens; the demo's tiny model takes at most ${MAX_DEMO_PROMPT_TOKENS}`)
  const promptLength = Math.ceil(longest / 8) * 8
  return { batch: c.groupSize, promptLength, cacheLength: promptLength + c.maxNewTokens }
}

export async function startDemo(partial: Partial<DemoConfig> = {}): Promise<DemoHandle> {
  const c: DemoConfig = { ...DEFAULT_DEMO, ...partial }
  const progress = progressTo(process.stdout, c.quiet)
  const say = (line: string) => progress.log(line)
  const t0 = performance.now()
  const since = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s`

  // ── task ──────────────────────────────────────────────────────────────────────────────────────────────
  const split = c.tasksFile ? loadTaskFile(c.tasksFile, c.seed) : arithmeticTask({ ...c.arith, seed: c.seed })
  const verifier: VerifierSpec = c.verifier ?? ARITH_VERIFIER
  const heldOut = split.heldOut.slice(0, c.evalPrompts)
  const tok = byteTokenizer(c.chat ? DEMO_CHAT_TEMPLATE : undefined)
  const chat: ChatPrompt | null = c.chat ? { system: DEMO_SYSTEM_PROMPT } : null
  const bucket = bucketFor(split, tok, c, chat) // refuses prompts too long for the tiny model before anything starts

  // ── database + edge ───────────────────────────────────────────────────────────────────────────────────
  const runDir = resolve(c.dataDir, new Date().toISOString().replace(/[:.]/g, '-'))
  mkdirSync(runDir, { recursive: true })
  let database: OpenDatabase = await openDatabase(c.databaseUrl ? { databaseUrl: c.databaseUrl } : { dataDir: join(runDir, 'pgdata') })
  let server: NodeServer | undefined
  let databaseUrl = c.databaseUrl
  try {
    await migrateDatabase(database)
    if (c.databaseUrl && (await latestModel(database.db))) {
      // a database an earlier run trained in: start over in a fresh database on the same server
      await database.close()
      const fresh = await freshDatabaseOn(c.databaseUrl, `cohort_demo_${basename(runDir).replace(/\W/g, '_').toLowerCase()}`)
      database = await openDatabase({ databaseUrl: fresh })
      databaseUrl = fresh
      await migrateDatabase(database)
      say(`the database at --database-url already holds a trained model: this run uses a new database, ${fresh}`)
    }
    const adminKey = process.env.COHORT_ADMIN_KEY || `cohort_demo_${randomBytes(18).toString('base64url')}`
    server = await startNodeServer({ database, adminKey, port: c.port })
  } catch (err) {
    await database.close()
    throw err
  }
  const { db } = database
  const dashboard = `${server.url}/#key=${server.admin.key}`
  say(`cohort demo · run folder ${runDir}`)
  say(`edge on ${server.url} (database: ${c.databaseUrl ? 'DATABASE_URL' : 'embedded PGlite'}) · dashboard: ${dashboard}`)

  const task = await createTask(db, {
    name: TASK,
    verifier,
    groupSize: c.groupSize,
    maxNewTokens: c.maxNewTokens,
    temperature: c.temperature,
    topP: 1,
    topK: 0,
    leaseSeconds: 120,
    chat,
  })
  await insertPrompts(db, task!.id, split.train.map((i) => ({ text: i.prompt, answer: i.answer })))
  const worker = await createKey(db, 'worker', 'demo worker')
  say(`task "${TASK}": ${split.train.length} training prompts, ${split.heldOut.length} held out (${heldOut.length} evaluated per version), G = ${c.groupSize}`)

  const stopper = new AbortController()
  const done = (async (): Promise<DemoSummary> => {
    const threads = c.threads
    // ── SFT cold start ──────────────────────────────────────────────────────────────────────────────────
    const positions = Math.max(c.model.max_position_embeddings ?? 0, bucket.cacheLength)
    const base = { ...tinyModel(c.seed, { ...c.model, max_position_embeddings: positions }), tokenizer: tok }
    const evalOn = async (ck: Checkpoint, items: readonly TaskItem[]): Promise<EvalResult> => {
      const gen = new OnnxGenerator(inferenceModel(ck, { ...bucket, batch: 16 }), { threads })
      try {
        return await evaluateHeldOut(gen, items, verifier, c.maxNewTokens, chat)
      } finally {
        await gen.close()
      }
    }
    const evalCkpt = (ck: Checkpoint) => evalOn(ck, heldOut)
    const initial = await evalCkpt(base)
    say(`${since()} random init: held-out accuracy ${pct(initial.accuracy)}`)
    const sftTrainer = new Trainer(base.config, base.params, {
      lr: c.sft.lr,
      weightDecay: c.sft.weightDecay ?? 0,
      warmupSteps: 10,
      threads,
      entropy: false,
      microBatchSize: c.sft.batchSize,
    })
    const sftStart = performance.now()
    let sftLoss = NaN
    const { sft: trainItems, validation } = validationSplit(split.train, c.sft.target < 1 ? c.sft.validation : 0)
    const sftItems = c.sft.wider && !c.tasksFile ? expressionsExcept({ ...c.arith, ...c.sft.wider, seed: c.seed }, [...split.heldOut, ...validation]) : trainItems
    const sft = await sftColdStart(sftTrainer, tok, sftItems, {
      steps: c.sft.steps,
      batchSize: c.sft.batchSize,
      seed: c.seed,
      signal: stopper.signal,
      chat,
      onStep: (s, loss) => {
        sftLoss = loss
        if (validation.length === 0 && (s % 50 === 0 || s === c.sft.steps)) progress.step(`${since()} SFT step ${s}/${c.sft.steps} · loss ${loss.toFixed(3)}`)
      },
      until: validation.length > 0
        ? {
            validate: async () => (await evalOn(base, validation)).accuracy,
            target: c.sft.target,
            every: c.sft.every,
            onCheck: (s, acc) => progress.step(`${since()} SFT step ${s} · loss ${sftLoss.toFixed(3)} · validation accuracy ${pct(acc)} (stops at ${pct(c.sft.target)})`),
          }
        : undefined,
    })
    const sftSeconds = (performance.now() - sftStart) / 1000
    await sftTrainer.close()
    const afterSft = await evalCkpt(base)
    const why = validation.length === 0 ? '' : sft.reached
      ? `, validation ${pct(sft.validation!)} of ${validation.length} ≥ ${pct(c.sft.target)}`
      : `, validation ${sft.validation === null ? '–' : pct(sft.validation)} of ${validation.length}: target ${pct(c.sft.target)} not reached`
    say(`${since()} SFT done (${sft.steps} steps on ${sftItems.length} prompts${why}, ${sftSeconds.toFixed(0)} s): held-out accuracy ${pct(afterSft.accuracy)} — e.g. ${example(afterSft)}`)
    const sftDir = join(runDir, 'sft')
    await saveCheckpoint(sftDir, base)

    // ── learner + workers + evaluation of each version ──────────────────────────────────────────────────
    const modelsDir = join(runDir, 'models') // verified downloads, shared by the workers and the evaluator
    const edge = new EdgeClient({ baseUrl: server!.url, key: worker.key })
    const evaluator = new VersionEvaluator(db, heldOut, verifier, c.maxNewTokens, modelsDir, modelFileReader(edge), threads, (v, r, reward) =>
      say(`${since()} v${v.version} (step ${v.step}): held-out accuracy ${pct(r.accuracy)} · rollout reward ${reward === null ? '–' : reward.toFixed(3)} — e.g. ${example(r)}`),
      say,
      chat,
    )
    if (c.lora) {
      const adapters = loraSpecs(base.config, c.lora).reduce((n, s) => n + s.shape[0] * s.shape[1], 0)
      const full = countParams(base.config)
      say(`GRPO trains LoRA adapters (r ${c.lora.r}, alpha ${c.lora.alpha}, dropout ${c.lora.dropout}, ${c.lora.targets.join(',')}): ` +
        `${adapters} of ${full} parameters (${((100 * adapters) / full).toFixed(1)}%), AdamW state ${((8 * adapters) / 1024).toFixed(0)} KiB instead of ${((8 * full) / 1024).toFixed(0)} KiB`)
    }
    if (chat) say(`prompts are rendered with the model's chat template, e.g. ${JSON.stringify(applyChatTemplate(tok, chatMessages(split.train[0].prompt, chat)))}`)
    const learnerDone: Promise<LearnSummary> = runLearner({
      db,
      dataDir: runDir,
      modelDir: sftDir,
      seed: c.seed,
      learn: {
        owner: 'demo-learner',
        inferenceBucket: bucket,
        quiet: c.quiet,
        ...c.learn,
        ...(c.grpoSteps !== undefined && { maxSteps: c.grpoSteps }),
      },
      train: {
        temperature: c.temperature, threads, maxCompletionLength: c.maxNewTokens,
        // the GRPO phase is limited by the clock, so by default a cosine decays over its minutes, not a count of updates
        // (or, with grpoSteps, over that many updates)
        ...(c.train.schedule === 'cosine' && c.train.totalSteps === undefined && c.train.totalSeconds === undefined
          ? c.grpoSteps === undefined ? { totalSeconds: c.minutes * 60 } : { totalSteps: c.grpoSteps }
          : {}),
        ...c.train, ...(c.lora && c.loraTrain),
      },
      lora: c.lora,
      signal: stopper.signal,
      progress,
    })
    const workers: DemoWorker[] = Array.from({ length: c.workers }, (_, i) =>
      c.workerThreads
        ? new WorkerThread({ baseUrl: server!.url, key: worker.key, task: TASK, cacheDir: modelsDir, threads, seed: c.seed * 100 + i }, say)
        : demoRolloutWorker(edge, { task: TASK, cacheDir: modelsDir, threads, seed: c.seed * 100 + i }, say),
    )
    const grpoStart = performance.now()
    // stopped during the cold start already (Ctrl-C, SIGTERM): the workers must not start waiting for leases
    if (stopper.signal.aborted) workers.forEach((w) => w.stop())
    else stopper.signal.addEventListener('abort', () => workers.forEach((w) => w.stop()), { once: true })
    const workersDone = Promise.all(workers.map((w) => w.run()))
    const timer = c.grpoSteps === undefined ? setTimeout(() => stopper.abort(), c.minutes * 60_000) : undefined
    const watching = evaluator.watch(stopper.signal, c.evalEverySeconds * 1000)
    let learnSummary: LearnSummary
    let rollouts: RolloutStats[]
    try {
      learnSummary = await learnerDone
    } finally {
      clearTimeout(timer)
      stopper.abort()
      rollouts = await workersDone
      await watching
    }
    const grpoSeconds = (performance.now() - grpoStart) / 1000
    await evaluator.evaluateLatest() // the final version, if the watcher had not reached it
    const versions = await versionRows(db)
    const counts = await groupCounts(db)
    const trained = await stepThroughput(db)
    const genTokens = rollouts.reduce((n, s) => n + s.tokens, 0)
    const summary: DemoSummary = {
      url: server!.url,
      runDir,
      databaseUrl,
      initialAccuracy: initial.accuracy,
      sftAccuracy: afterSft.accuracy,
      finalAccuracy: evaluator.latestAccuracy() ?? afterSft.accuracy,
      heldOut: heldOut.length,
      versions: versions.map((v) => ({
        version: v.version,
        step: v.step,
        seconds: (v.publishedAt.getTime() - versions[0].publishedAt.getTime()) / 1000,
        accuracy: typeof v.metrics['eval/accuracy'] === 'number' ? (v.metrics['eval/accuracy'] as number) : null,
        rewardMean: v.rewardMean,
        groups: v.groups,
      })),
      learner: learnSummary,
      groups: counts,
      sftSteps: sft.steps,
      sftSeconds,
      grpoSeconds,
      generationTokensPerSecond: genTokens / grpoSeconds,
      trainTokensPerSecond: trained.seconds > 0 ? trained.tokens / trained.seconds : 0,
      rolloutGroups: rollouts.reduce((n, s) => n + s.groups, 0),
    }
    console.log(`\n${summaryTable(summary)}`) // printed even when quiet
    await writeFile(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2)) // the curve, for plots
    say(`curve and totals saved in ${join(runDir, 'summary.json')}`)
    return summary
  })().finally(async () => {
    await server?.close()
    await database.close()
  })
  return { url: server.url, dashboard, stop: () => stopper.abort(), done }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`
const example = (r: EvalResult) =>
  r.examples
    .slice(0, 2)
    .map((e) => `${e.prompt}${JSON.stringify(e.answer)}${e.reward >= 1 ? ' ✓' : ` ✗ (${e.reference})`}`)
    .join(', ')
