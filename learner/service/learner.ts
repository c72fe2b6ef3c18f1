/**
 * The learn loop (`cohort learn`): one iteration reads like the algorithm —
 *
 *   claim ready groups → drop stale ones → recompute old log-probs under the version that generated each group
 *   and flag groups whose reported log-probs disagree → reference log-probs (β > 0) → advantages → GRPO step →
 *   commit (groups trained + train_steps row, one transaction) → publish every N steps → checkpoint every K.
 *
 * Exactly-once: the database commit is the truth. Checkpoints are snapshots taken after commits; on start
 * (and after losing a claim mid-step) the learner restores the newest checkpoint — or the base model, version
 * 0 — and replays the committed steps after it from the database (same groups, same old log-probs, same
 * update), so its weights always equal "every trained group, once". See resume().
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadCheckpoint, type Checkpoint } from '../io/index.js'
import { CheckpointStore, fetchVersion, publish, pruneVersions, writePolicyFiles, type ArtifactStore, type SavedCheckpoint } from '../publish/index.js'
import { savePeftAdapter, type LoraConfig } from '../lora/index.js'
import { Trainer, type GrpoBatch, type TrainConfig } from '../trainer/index.js'
import type { Db } from '../../schema/pg.js'
import type { ModelVersion } from '../../schema/schema.js'
import {
  ClaimLostError,
  claimReadyGroups,
  completeStep,
  flagGroup,
  getModel,
  groupsTrainedAt,
  lastCommittedStep,
  latestModel,
  loadGroups,
  markStale,
  queueDepth,
  releaseClaims,
  releaseExpiredClaims,
  renewClaims,
  type BatchGroup,
} from '../../schema/queries/index.js'
import { advantagesOf, isRejection, prepareGroup, type PreparedGroup, type Rejection } from './batch.js'
import type { LearnConfig } from './config.js'
import { groupDisagreement, samplingLogprobs } from './consistency.js'
import { progressLine, progressTo, stepMetrics, type Progress } from './metrics.js'
import { VersionWeights } from './weights.js'

/** A LoRA version's adapter_config.json names its base: version 0 of the same run. */
const BASE_VERSION_URI = 'cohort:models/0'

export interface LearnerDeps {
  db: Db
  store: ArtifactStore
  checkpoints: CheckpointStore
  /** the model to start from when nothing is published yet (becomes version 0) */
  base: () => Promise<Checkpoint>
  /** the update's settings (Trainer's TrainConfig; a resumed checkpoint's are overridden by these) */
  train: Partial<TrainConfig>
  /** train LoRA adapters on the frozen base instead of every weight (a checkpoint's adapter files win on resume) */
  lora?: LoraConfig
  progress?: Progress
  /** called (and awaited) as each phase begins: tracing, the crash test's kill points, fault injection */
  onPhase?: (phase: Phase) => void | Promise<void>
}

/** In each checkpoint folder: { base: sha256 of version 0 } (see newestCheckpoint). */
const LINEAGE_FILE = 'lineage.json'

export type Phase = 'resume' | 'replay' | 'claim' | 'prepare' | 'step' | 'commit' | 'publish' | 'checkpoint'

/** The first wait after the queue ran dry: a fast learner drains a queue in well under a second, and a full pollMs
 * asleep meanwhile left it without data while workers were held back (bench:backpressure). */
const FIRST_POLL_MS = 25

/** The wait before the k-th poll of an empty queue (k = 0 first): doubling from FIRST_POLL_MS, at most pollMs. */
export const pollWait = (k: number, pollMs: number) => Math.min(pollMs, FIRST_POLL_MS * 2 ** Math.min(k, 20))

/** idle: nothing ready; waiting: fewer than a batch ready, still within batchWaitMs. */
export type IterationResult = 'trained' | 'idle' | 'waiting' | 'rejected' | 'claim_lost'

export interface LearnSummary {
  steps: number
  versionsPublished: number
  groupsTrained: number
  groupsFlagged: number
  groupsStale: number
  tokens: number
  /** time spent in trained iterations (claim → commit → publish), the tokens/s denominator */
  trainSeconds: number
  /** wall time of run() */
  seconds: number
}

export class Learner {
  trainer!: Trainer
  /** committed optimisation steps */
  step = 0
  /** the newest published version */
  version!: ModelVersion
  private weights!: VersionWeights
  /** sha256 of version 0: the lineage every checkpoint of this database's learner records */
  private baseSha = ''
  /** when the learner started waiting for a full batch (null: not waiting) */
  private batchWaitSince: number | null = null
  /** ms run() spent waiting for data (idle or waiting iterations and their sleeps) since the last step: data_wait_s */
  private dataWaitMs = 0
  private readonly progress: Progress
  readonly totals = { versionsPublished: 0, groupsTrained: 0, groupsFlagged: 0, groupsStale: 0, tokens: 0, trainSeconds: 0 }

  private constructor(
    private readonly deps: LearnerDeps,
    readonly config: LearnConfig,
  ) {
    this.progress = deps.progress ?? progressTo(process.stderr, config.quiet)
  }

  /** A learner restored to the newest committed step (see resume). */
  static async open(deps: LearnerDeps, config: LearnConfig): Promise<Learner> {
    const l = new Learner(deps, config)
    await l.resume()
    return l
  }

  private get db() {
    return this.deps.db
  }

  private async phase(p: Phase): Promise<void> {
    await this.deps.onPhase?.(p)
  }

  /**
   * Restore: give back this owner's claims from a previous life; load the newest checkpoint of this lineage
   * (else version 0, else the base model, published as version 0); replay committed steps after it; publish and
   * checkpoint what a crash left undone.
   */
  async resume(): Promise<void> {
    const { db } = this.deps
    await this.phase('resume')
    const released = await releaseClaims(db, { owner: this.config.owner })
    if (released) this.progress.log(`released ${released} group(s) claimed by ${this.config.owner} before a restart`)
    await this.trainer?.close()
    const committed = await lastCommittedStep(db)
    const v0 = await getModel(db, 0)
    const ckpt = v0 ? await this.newestCheckpoint(v0.sha256, committed) : null
    let replayFrom: number
    if (ckpt) {
      this.trainer = await Trainer.fromCheckpoint(ckpt.dir, this.deps.train)
      replayFrom = ckpt.step
    } else {
      const base = v0 ? await this.download(v0) : await this.deps.base()
      this.trainer = new Trainer(base.config, base.params, this.deps.train, { tokenizer: base.tokenizer, lora: this.deps.lora })
      replayFrom = 0
      if (!v0) await this.publishNow(0, { base: 1 })
    }
    this.baseSha = (await getModel(db, 0))!.sha256
    this.step = replayFrom
    this.weights = new VersionWeights(db, this.deps.store, this.trainer.model, this.config.maxStaleness + 1, this.trainer.lora)
    this.version = (await latestModel(db))!
    for (let s = replayFrom + 1; s <= committed; s++) await this.replay(s)
    if (committed > replayFrom) this.progress.log(`resumed at step ${committed}: checkpoint ${replayFrom} + ${committed - replayFrom} replayed step(s)`)
    const dueVersion = Math.floor(this.step / this.config.publishEvery) * this.config.publishEvery
    if (this.version.step < dueVersion) await this.publishNow(this.step)
    if (committed > replayFrom) await this.checkpoint()
  }

  /** Claim, train, commit, publish, checkpoint — once. */
  async iterate(): Promise<IterationResult> {
    const t0 = performance.now()
    const { db } = this
    const c = this.config
    await this.phase('claim')
    await releaseExpiredClaims(db)
    const minVersion = this.version.version - c.maxStaleness
    const staleReady = (await markStale(db, { minPolicyVersion: minVersion })).length
    this.totals.groupsStale += staleReady
    if (c.batchWaitMs > 0) {
      const ready = await queueDepth(db)
      if (ready === 0) return 'idle'
      if (ready < c.batchGroups) {
        this.batchWaitSince ??= performance.now()
        if (performance.now() - this.batchWaitSince < c.batchWaitMs) return 'waiting'
      }
    }
    this.batchWaitSince = null
    const claimed = await claimReadyGroups(db, { owner: c.owner, limit: c.batchGroups, claimTtlMs: c.claimTtlMs })
    if (claimed.length === 0) return 'idle'
    const ids = claimed.map((g) => g.id)
    const beat = setInterval(() => void renewClaims(db, { owner: c.owner, groupIds: ids, claimTtlMs: c.claimTtlMs }).catch(() => {}), c.claimTtlMs / 3)
    try {
      const stale = await markStale(db, { minPolicyVersion: minVersion, owner: c.owner, groupIds: ids })
      this.totals.groupsStale += stale.length
      return await this.trainOn(ids.filter((id) => !stale.includes(id)), { t0, stale: staleReady + stale.length })
    } catch (err) {
      if (!(err instanceof ClaimLostError)) {
        await releaseClaims(db, { owner: c.owner }).catch(() => {})
        throw err
      }
      // the update already touched the live weights: rebuild them from the committed log
      this.progress.log(`${err.message}; restoring the committed state`)
      await this.resume()
      return 'claim_lost'
    } finally {
      clearInterval(beat)
    }
  }

  /** The claimed, fresh groups → flag the bad ones → one GRPO step → commit → publish / checkpoint when due. */
  private async trainOn(ids: number[], o: { t0: number; stale: number }): Promise<IterationResult> {
    const { db } = this
    const c = this.config
    await this.phase('prepare')
    const { prepared, rejected, old } = await this.prepare(await loadGroups(db, ids))
    for (const r of rejected) await flagGroup(db, { owner: c.owner, groupId: r.group.id, reason: r.reason, details: r.details })
    this.totals.groupsFlagged += rejected.length
    if (rejected.length) this.progress.log(`flagged ${rejected.map((r) => `group ${r.group.id} (${r.reason})`).join(', ')}`)
    if (prepared.length === 0) return 'rejected'
    const { batch, adv } = await this.grpoBatch(prepared, old)
    await this.phase('step')
    const trained = await this.trainer.step(batch)
    const metrics = stepMetrics({
      groups: prepared,
      trainer: trained,
      fracZeroStd: adv.fracZeroStd,
      rewardStdMean: adv.rewardStdMean,
      version: this.version.version,
      flagged: rejected.length,
      stale: o.stale,
      seconds: (performance.now() - o.t0) / 1000,
      maxStaleness: c.maxStaleness,
      dataWaitS: this.dataWaitMs / 1000,
    })
    this.dataWaitMs = 0
    const groupIds = prepared.map((p) => p.group.id)
    await this.phase('commit')
    await completeStep(db, { owner: c.owner, groupIds, step: this.step + 1, policyVersion: this.version.version, metrics })
    this.step++
    this.totals.groupsTrained += groupIds.length
    this.totals.tokens += trained.num_tokens
    if (this.step % c.publishEvery === 0) await this.publishNow(this.step, metrics)
    if (this.step % c.checkpointEvery === 0) await this.checkpoint()
    this.totals.trainSeconds += (performance.now() - o.t0) / 1000
    this.progress.step(progressLine(this.step, metrics, await queueDepth(db), this.version.version))
    return 'trained'
  }

  /** Iterate until maxSteps, an idle timeout, or `signal`. */
  async run(signal?: AbortSignal): Promise<LearnSummary> {
    const t0 = performance.now()
    const start = this.step
    let idleSince: number | null = null
    /** polls since data was last found: the wait before the next doubles from FIRST_POLL_MS up to pollMs */
    let polls = 0
    const c = this.config
    while (!signal?.aborted && (c.maxSteps === undefined || this.step < c.maxSteps)) {
      const at = performance.now()
      const r = await this.iterate()
      if (r !== 'idle' && r !== 'waiting') {
        idleSince = null
        polls = 0
        continue
      }
      // nothing ready (idle), or less than a batch within batchWaitMs (waiting): wait for data
      if (r === 'idle') {
        idleSince ??= performance.now()
        if (c.idleExitMs !== undefined && performance.now() - idleSince >= c.idleExitMs) break
      } else idleSince = null
      await sleep(pollWait(polls++, c.pollMs), signal)
      this.dataWaitMs += performance.now() - at
    }
    return { steps: this.step - start, ...this.totals, seconds: (performance.now() - t0) / 1000 }
  }

  async close(): Promise<void> {
    await this.trainer?.close()
  }

  // ---------------------------------------------------------------- the steps of an iteration

  /**
   * Rows of every trainable group with its old log-probs, and the rejected groups: malformed, from an unknown
   * version, a raw-text group from a version published with another prompt BOS than this learner's --add-bos
   * (prompt_bos_mismatch), or with reported log-probs beyond tolerance. Each group is scored on its own, so its old
   * log-probs never depend on which other groups share the batch: a replay reproduces them bit for bit.
   */
  private async prepare(groups: BatchGroup[]): Promise<{ prepared: PreparedGroup[]; rejected: Rejection[]; old: number[][][] }> {
    const tok = this.trainer.tokenizer
    if (!tok) throw new Error('learner: the model has no tokenizer')
    const temperature = this.trainer.train.temperature
    const opts = { tokenizer: tok, config: this.trainer.model, addBos: this.config.addBos, temperature, maskTruncated: this.config.maskTruncated }
    const tolerance = this.config.logprobTolerance
    const prepared: PreparedGroup[] = []
    const rejected: Rejection[] = []
    const old: number[][][] = []
    for (const g of groups) {
      // a group's workers prompted as its version says (config.json cohort_prompt_bos); rebuilt another way, its
      // completion would be scored after a prompt it was not sampled after (a learner restarted with another --add-bos)
      const bos = await this.weights.promptBos(g.policyVersion)
      if (!g.task.chat && bos != null && bos !== this.config.addBos) {
        rejected.push({ group: g, reason: 'prompt_bos_mismatch', details: { policyVersion: g.policyVersion, versionPromptBos: bos, learnerAddBos: this.config.addBos } })
        continue
      }
      const p = prepareGroup(g, opts)
      if (isRejection(p)) {
        rejected.push(p)
        continue
      }
      const weights = await this.weights.get(g.policyVersion)
      if (!weights) {
        rejected.push({ group: g, reason: 'unknown_policy_version', details: { policyVersion: g.policyVersion, newest: this.version.version } })
        continue
      }
      const { logprobs: lp } = await this.trainer.logprobs(rowsOf([p]), { weights, temperature })
      const d = groupDisagreement(p.rows, lp)
      if (d && !(d.meanAbsDiff <= tolerance)) {
        rejected.push({ group: g, reason: 'logprob_mismatch', details: { ...d, tolerance } })
        continue
      }
      prepared.push(p)
      old.push(lp)
    }
    return { prepared, rejected, old }
  }

  /** The Trainer's batch: rows group-major, advantages per row, old (and reference) log-probs. */
  private async grpoBatch(prepared: PreparedGroup[], old: number[][][]) {
    const adv = advantagesOf(prepared)
    const rows = rowsOf(prepared)
    const batch: GrpoBatch = { ...rows, advantages: adv.advantages.flat(), oldLogprobs: old.flat() }
    // the workers' own log-probs, where reported: the Trainer corrects for the sampler mismatch with them
    if (prepared.some((p) => p.rows.some((r) => r.reported))) batch.samplingLogprobs = prepared.flatMap((p, i) => samplingLogprobs(p.rows, old[i]))
    if (this.trainer.train.beta > 0) batch.refLogprobs = (await this.trainer.logprobs(rows, { reference: true })).logprobs
    return { batch, adv }
  }

  /** Redo committed step `s` on the live weights (resume). */
  private async replay(s: number): Promise<void> {
    await this.phase('replay')
    const groups = await loadGroups(this.db, await groupsTrainedAt(this.db, s))
    if (groups.length === 0) throw new Error(`replay: step ${s} is committed but no group records it`)
    const { prepared, rejected, old } = await this.prepare(groups)
    if (rejected.length) throw new Error(`replay: step ${s} no longer reproduces (group ${rejected[0].group.id}: ${rejected[0].reason})`)
    await this.trainer.step((await this.grpoBatch(prepared, old)).batch)
    this.step = s
  }

  private async publishNow(step: number, metrics: Record<string, unknown> = {}): Promise<void> {
    await this.phase('publish')
    const t = this.trainer
    await t.syncHost() // on GPU EPs the live weights sit on the device; publish what was trained
    // workers get full (with LoRA: merged) weights; a LoRA version also carries PEFT's adapter files
    // promptBos: the version tells every worker to prompt as this learner does (config.json cohort_prompt_bos)
    const ckpt = { config: t.model, params: t.policyWeights(), tokenizer: t.tokenizer, promptBos: this.config.addBos }
    const v = await publish(this.db, this.deps.store, {
      step,
      metrics,
      write: async (dir) => {
        await writePolicyFiles(dir, ckpt, this.config.inferenceBucket)
        if (t.lora) await savePeftAdapter(dir, t.model, t.lora, t.params, BASE_VERSION_URI)
      },
    })
    this.version = v
    this.weights?.put(v.version, t.params, this.config.addBos)
    this.totals.versionsPublished++
    this.progress.log(`published version ${v.version} (step ${step}, sha256 ${v.sha256.slice(0, 12)}…)`)
    const pruned = await pruneVersions(this.db, this.deps.store, this.config.keepVersions)
    if (pruned.length) this.progress.log(`pruned the files of version(s) ${pruned.join(', ')} (keeping the newest ${this.config.keepVersions})`)
  }

  private async checkpoint(): Promise<void> {
    await this.phase('checkpoint')
    await this.deps.checkpoints.save(this.step, async (dir) => {
      await this.trainer.save(dir)
      await writeFile(join(dir, LINEAGE_FILE), JSON.stringify({ base: this.baseSha }))
    })
  }

  /**
   * The newest checkpoint at or before the committed step that grew from this database's version 0 (a data
   * folder left over from another database, or from before a reset, is ignored rather than trusted).
   */
  private async newestCheckpoint(baseSha: string, committed: number): Promise<SavedCheckpoint | null> {
    const { checkpoints } = this.deps
    for (const c of await checkpoints.list()) {
      if (c.step > committed) continue
      const lineage = await checkpoints.read(c, LINEAGE_FILE).then((b) => JSON.parse(new TextDecoder().decode(b)) as { base?: string }, () => null)
      if (lineage?.base === baseSha) return c
    }
    return null
  }

  /** A published version's files, checked, as a checkpoint (restoring the base model). */
  private async download(row: ModelVersion): Promise<Checkpoint> {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-v'))
    try {
      await fetchVersion(this.deps.store, row, dir)
      return await loadCheckpoint(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
}

const rowsOf = (groups: readonly PreparedGroup[]) => ({
  inputIds: groups.flatMap((g) => g.rows.map((r) => r.inputIds)),
  completionMask: groups.flatMap((g) => g.rows.map((r) => r.completionMask)),
})

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
