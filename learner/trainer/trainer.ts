/**
 * Trainer: holds the live parameters (Float32Array per ParamSpec, updated in place) and the AdamW state, runs
 * the per-bucket GRPO / SFT / log-prob graphs (learner/grpo, learner/model) on onnxruntime, accumulates
 * gradients over micro-batches, clips by global norm and applies AdamW (fused JS loop, or the AdamW graph).
 *
 *   step(batch)      for each of μ iterations, for each optimizer update's micro-batches: forward + backward,
 *                    sum gradients; then clip + AdamW. Old log-probs: given; or, with one update per iteration,
 *                    log πθ detached inside the first pass's graph and kept from it for later iterations; or, with
 *                    several updates per iteration, scored by a forward pass before the first update.
 *                    Reference log-probs (β > 0): given, or from the frozen reference weights.
 *   sftStep(batch)   the same over the SFT cross-entropy (temperature 1).
 *   logprobs(batch)  forward only: per-token log-probs and entropy (policy or reference weights).
 *   save(dir) / load(dir) / Trainer.fromCheckpoint(dir): HF folder (config.json + model.safetensors
 *                    + tokenizer) + optimizer.safetensors + trainer_state.json (+ reference.safetensors).
 * LoRA (TrainerOptions.lora): the given params are the frozen base and the reference policy (no copy); `params`
 *                  / `specs` are the adapters (learner/lora), the only tensors with gradients and AdamW moments;
 *                  policyWeights() merges them for publishing; save() adds PEFT's adapter files.
 * Loss normalisers make accumulation exact (learner/grpo/normalizer.ts). Metrics use TRL's names.
 * Optimizer 'graph' (default on cuda / webgpu): the AdamW graph updates parameters and moments, which stay on
 * the device (gpu-buffer outputs fed back as next step's inputs); `params` and the optimizer's host moments are
 * refreshed by syncHost() (save() calls it). On cpu the graph's outputs are copied back at once.
 */
import { readFile, writeFile, access } from 'node:fs/promises'
import { join } from 'node:path'
import type * as ort from 'onnxruntime-node'
import { paramSpecs, type ModelConfig, type ParamSpec } from '../config.js'
import { adamwNames, buildAdamWGraph, encodeModel } from '../graph/index.js'
import { buildGrpoGraph, buildSftGraph, highEntropyMask, lossNormalizer, samplerWeights, type LossType, type SamplingMetrics } from '../grpo/index.js'
import { loadCheckpoint, readSafetensors, saveCheckpoint, toFloat32, writeSafetensors, type Tensor } from '../io/index.js'
import { buildLogprobGraph, gradName } from '../model/index.js'
import { AdamW, loadAdamWState, lrAt, saveAdamWState } from '../optim/index.js'
import { Runtime, tensor, type Fetches, type Session } from '../runtime/index.js'
import type { Tokenizer } from '../tokenizer/index.js'
import { checkBatch, microBatches, pack, type GrpoBatch, type Packed, type SftBatch } from './batch.js'
import { resolveTrainConfig, schedule, type TrainConfig } from './config.js'
import { paramFeeds, scalarTensor, specFeeds } from './feeds.js'
import { hasPeftAdapter, initLora, loadPeftAdapter, loraSpecs, mergeLora, savePeftAdapter, type LoraConfig } from '../lora/index.js'

/**
 * Metrics of one step() call (TRL names; means over the call's updates, token-weighted where per token); the
 * sampling/* ones (learner/grpo/correction.ts) when the batch carried samplingLogprobs and the correction is on.
 */
export interface StepMetrics extends Partial<SamplingMetrics> {
  loss: number
  /** mean k3 KL to the reference model; absent when the batch carried no reference log-probs (β = 0: none are
   *  computed, and TRL logs no kl either) */
  kl?: number
  entropy: number
  'clip_ratio/low_mean': number
  'clip_ratio/high_mean': number
  'clip_ratio/region_mean': number
  /** cispo: fraction of completion tokens whose IS weight the cap binds (A > 0) */
  cispo_clip_ratio: number
  /** fraction of completion tokens the off-policy sequence mask dropped (0 when off) */
  'off_policy_mask/masked_fraction': number
  /** fraction of completion tokens the top-entropy mask kept (1 when off) */
  'entropy_mask/kept_fraction': number
  grad_norm: number
  learning_rate: number
  /** completion tokens trained on (counted once per iteration) */
  num_tokens: number
  /** optimizer updates applied by this call, and those skipped for a non-finite gradient */
  updates: number
  skipped_updates: number
  step_time_s: number
  tokens_per_second: number
}

export type SftMetrics = Pick<StepMetrics, 'loss' | 'grad_norm' | 'learning_rate' | 'num_tokens' | 'updates' | 'skipped_updates' | 'step_time_s' | 'tokens_per_second'>

export interface LogprobOptions {
  /** score with the reference weights instead of the live ones */
  reference?: boolean
  /** score with these weights (paramSpecs names; e.g. the policy version that generated a group) */
  weights?: Map<string, Float32Array>
  /** default: the TrainConfig's temperature */
  temperature?: number
}

export interface TrainerOptions {
  tokenizer?: Tokenizer
  /** frozen reference weights for β > 0 (default: a copy of the initial parameters when β > 0) */
  reference?: Map<string, Float32Array>
  /** ORT profiler trace file prefix for every session (RuntimeOptions.profile; bench:learner --profile) */
  profile?: string
  /** LoRA: train adapters on the frozen `params` (which then are also the reference policy: no copy is made) */
  lora?: LoraConfig
  /** adapters to start from (default: PEFT's initialisation, B = 0, seeded by loraSeed) */
  adapters?: Map<string, Float32Array>
  loraSeed?: number
}

/** Running totals of a step() / sftStep() call. */
interface Sums { loss: number; gradNorm: number; lr: number; tokens: number; updates: number; skipped: number }

const GRPO_METRICS = ['kl', 'clip_ratio.low_mean', 'clip_ratio.high_mean', 'clip_ratio.region_mean', 'cispo_clip_ratio', 'off_policy_masked', 'entropy'] as const
const OPTIMIZER_FILE = 'optimizer.safetensors'
const STATE_FILE = 'trainer_state.json'
const REFERENCE_FILE = 'reference.safetensors'
const exists = (p: string) => access(p).then(() => true, () => false)

export class Trainer {
  readonly train: TrainConfig
  /** the trained tensors: every parameter, or with LoRA the adapters only */
  readonly specs: readonly ParamSpec[]
  /** the trained tensors' live buffers (updated in place): the model's parameters, or with LoRA the adapters */
  readonly params: Map<string, Float32Array>
  /** LoRA: the adapter config, and the frozen base weights */
  readonly lora?: LoraConfig
  readonly base?: Map<string, Float32Array>
  readonly optimizer: AdamW
  readonly runtime: Runtime
  tokenizer?: Tokenizer
  reference?: Map<string, Float32Array>
  /** optimizer updates skipped (non-finite gradient norm) since construction / load */
  skipped = 0
  private readonly policyFeeds: Record<string, ort.Tensor>
  /** LoRA: feeds of the frozen base weights (views) */
  private readonly baseFeeds?: Record<string, ort.Tensor>
  private referenceFeeds?: Record<string, ort.Tensor>
  private readonly acc: Float32Array[]
  private readonly accT: ort.Tensor[]
  private readonly scratch: Float32Array[]
  private readonly scratchT: ort.Tensor[]
  /** optimizer 'graph': current moments as tensors (host views, or device tensors after a device update) */
  private momentT?: { m: ort.Tensor[]; v: ort.Tensor[] }
  /** optimizer 'graph' on a device: params / moments on the device are newer than the host copies */
  private deviceAhead = false
  /** the schedule's clock (totalSeconds): training seconds before this process (from a saved state), and when
   * this process's first update ran (performance.now(); undefined until then) */
  private secondsBefore = 0
  private clockStart?: number

  /** `params` (paramSpecs order, HF names) become the live weights: they are updated in place. */
  constructor(readonly model: ModelConfig, params: Map<string, Float32Array>, train: Partial<TrainConfig> = {}, o: TrainerOptions = {}) {
    this.train = resolveTrainConfig(train)
    this.lora = o.lora
    if (o.lora) {
      this.base = params
      this.specs = loraSpecs(model, o.lora)
      this.params = o.adapters ?? initLora(model, o.lora, o.loraSeed ?? 0)
      this.baseFeeds = paramFeeds(model, params)
    } else {
      this.specs = paramSpecs(model)
      this.params = params
    }
    params = this.params
    this.policyFeeds = { ...this.baseFeeds, ...specFeeds(this.specs, params) } // views of the live buffers
    this.optimizer = new AdamW(this.specs, { beta1: this.train.beta1, beta2: this.train.beta2, eps: this.train.adamEps, weightDecay: this.train.weightDecay, maxGradNorm: this.train.maxGradNorm || undefined })
    this.runtime = new Runtime({ ep: this.train.ep, threads: this.train.threads, profile: o.profile })
    this.tokenizer = o.tokenizer
    this.acc = this.specs.map((s) => new Float32Array(params.get(s.name)!.length))
    this.scratch = this.specs.map((s) => new Float32Array(params.get(s.name)!.length))
    this.accT = this.specs.map((s, i) => tensor('float32', this.acc[i], s.shape))
    this.scratchT = this.specs.map((s, i) => tensor('float32', this.scratch[i], s.shape))
    if (this.train.optimizer === 'graph') {
      this.momentT = {
        m: this.specs.map((sp, i) => tensor('float32', this.optimizer.m[i], sp.shape)),
        v: this.specs.map((sp, i) => tensor('float32', this.optimizer.v[i], sp.shape)),
      }
    }
    if (this.baseFeeds) this.referenceFeeds = this.baseFeeds // LoRA: the frozen base is the reference
    else {
      const ref = o.reference ?? (this.train.beta > 0 ? params : undefined)
      if (ref) this.setReference(ref) // copied
    }
  }

  /** The policy's full weights (paramSpecs order): the live parameters, or with LoRA base + scale·B·A merged. */
  policyWeights(): Map<string, Float32Array> {
    return this.lora ? mergeLora(this.model, this.lora, this.base!, this.params) : this.params
  }

  /** Optimizer updates applied so far (the schedule's step). */
  get updates(): number {
    return this.optimizer.t
  }

  /** Wall-clock seconds of training so far (the clock of a totalSeconds schedule): from the first update, across save/load. */
  get trainingSeconds(): number {
    return this.secondsBefore + (this.clockStart === undefined ? 0 : (performance.now() - this.clockStart) / 1000)
  }

  /** Freeze these weights as the reference policy (copied; full fine-tuning only: LoRA's reference is its base). */
  setReference(ref: Map<string, Float32Array>): void {
    if (this.lora) throw new Error('Trainer.setReference: with LoRA the reference policy is the frozen base')
    this.reference = new Map(this.specs.map((s) => [s.name, Float32Array.from(ref.get(s.name) ?? [])]))
    this.referenceFeeds = paramFeeds(this.model, this.reference)
  }

  /** One GRPO step on a batch (validated first; a bad batch throws RangeError and changes nothing). */
  async step(batch: GrpoBatch): Promise<StepMetrics> {
    checkBatch(batch, this.model, true)
    const t0 = performance.now()
    const tc = this.train
    const micro = microBatches(batch.inputIds.length, tc.microBatchSize)
    const perUpdate = tc.gradientAccumulationSteps ?? micro.length
    const b: GrpoBatch = { ...batch }
    if (tc.beta > 0 && !b.refLogprobs) {
      if (!this.referenceFeeds) throw new Error('Trainer.step: beta > 0 needs refLogprobs or reference weights')
      b.refLogprobs = (await this.logprobs(b, { reference: true })).logprobs
    }
    const correct = !!b.samplingLogprobs && tc.vllmImportanceSamplingCorrection
    // old log-probs not given: with one update per iteration, the first pass runs at θ0 and detaches log πθ in the
    // graph (ratio 1), its log-probs becoming the old ones of later iterations; with several updates per
    // iteration, or for the sampler correction (which needs them before any pass), they are scored up front
    if (!b.oldLogprobs && (micro.length > perUpdate || correct)) b.oldLogprobs = (await this.logprobs(b)).logprobs
    const sampler = correct
      ? samplerWeights(b.oldLogprobs!, b.samplingLogprobs!, b.completionMask, { mode: tc.vllmImportanceSamplingMode, cap: tc.vllmImportanceSamplingCap })
      : undefined
    const packed = micro.map((rows) => pack(b, rows, tc, this.model))
    const capture = tc.numIterations > 1
    let kept = 0
    let scored = 0
    // host-side token weights, per update (the entropy mask needs the entropies at the update's weights)
    const prepare = tc.topEntropyQuantile < 1 || sampler ? async (chunk: Packed[]) => {
      const rows = chunk.flatMap((p) => p.rows)
      const entropy = tc.topEntropyQuantile < 1 ? (await this.logprobs({ inputIds: rows.map((r) => b.inputIds[r]), completionMask: rows.map((r) => b.completionMask[r]) })).entropy : undefined
      const keep = entropy ? highEntropyMask(entropy, rows.map((r) => b.completionMask[r]), tc.topEntropyQuantile) : undefined
      let k = 0
      for (const p of chunk) {
        p.weight = new Float32Array(p.B * p.T)
        p.rows.forEach((r, i) => {
          const m = b.completionMask[r]
          for (let t = 0; t < m.length; t++) {
            if (!m[t]) continue
            const e = keep ? keep[k][t] : 1
            p.weight![i * p.T + t] = e * (sampler ? sampler.weights[r][t] : 1)
            kept += e
            scored++
          }
          k++
        })
      }
    } : undefined
    const { sums, metric } = await this.runUpdates(packed, tc.lossType, perUpdate, tc.numIterations, GRPO_METRICS, async (p, N, first) => {
      const fromCurrent = !p.old
      const s = await this.grpoSession(p, !fromCurrent, !!b.refLogprobs)
      const out = await this.backward(s, this.grpoFeeds(p, N), first, fromCurrent && capture ? [...GRPO_METRICS, 'logprobs'] : GRPO_METRICS)
      if (fromCurrent && capture) p.old = Float32Array.from(out.logprobs.data as Float32Array)
      return out
    }, prepare)
    const dt = (performance.now() - t0) / 1000
    return {
      ...(b.refLogprobs && { kl: metric.kl }),
      entropy: metric.entropy,
      'clip_ratio/low_mean': metric['clip_ratio.low_mean'],
      'clip_ratio/high_mean': metric['clip_ratio.high_mean'],
      'clip_ratio/region_mean': metric['clip_ratio.region_mean'],
      cispo_clip_ratio: metric.cispo_clip_ratio,
      'off_policy_mask/masked_fraction': metric.off_policy_masked,
      'entropy_mask/kept_fraction': tc.topEntropyQuantile < 1 ? kept / Math.max(scored, 1) : 1,
      ...sampler?.metrics,
      ...this.common(sums, dt),
    }
  }

  /** One supervised (cross-entropy) step: completionMask marks the target tokens. */
  async sftStep(batch: SftBatch): Promise<SftMetrics> {
    checkBatch(batch, this.model, false)
    const t0 = performance.now()
    const tc = this.train
    const packed = microBatches(batch.inputIds.length, tc.microBatchSize).map((rows) => pack(batch, rows, tc, this.model))
    const { sums } = await this.runUpdates(packed, 'sft', tc.gradientAccumulationSteps ?? packed.length, 1, [], async (p, N, first) => {
      const s = await this.runtime.session(`sft/B${p.B}xT${p.T}/from${p.from}`, () => encodeModel(buildSftGraph(this.model, p.B, p.T, { from: p.from, lora: this.lora })))
      return this.backward(s, { ...this.policyFeeds, ...this.rowFeeds(p), loss_normalizer: scalarTensor(N) }, first, [])
    })
    return this.common(sums, (performance.now() - t0) / 1000)
  }

  /**
   * Per-token log-probs and entropy, rows as given (forward only). Positions where completionMask (if given)
   * is 0 before the first completion token may be reported as 0 (they are not scored).
   */
  async logprobs(batch: { inputIds: number[][]; completionMask?: number[][] }, o: LogprobOptions = {}): Promise<{ logprobs: number[][]; entropy: number[][] }> {
    const mask = batch.completionMask ?? batch.inputIds.map((r) => r.map((_, t) => (t ? 1 : 0)))
    const b = { inputIds: batch.inputIds, completionMask: mask }
    checkBatch(b, this.model, false)
    const weights = o.weights ? this.feedsOf(o.weights) : o.reference ? this.referenceFeeds : this.policyFeeds
    if (!weights) throw new Error('Trainer.logprobs: no reference weights set')
    const lora = o.reference ? undefined : this.lora // LoRA's reference: the base graph, without adapters
    const lp: number[][] = []
    const ent: number[][] = []
    for (const rows of microBatches(b.inputIds.length, this.train.microBatchSize)) {
      const p = pack(b, rows, this.train, this.model)
      const s = await this.runtime.session(`logprobs/B${p.B}xT${p.T}/from${p.from}/lora${lora ? 1 : 0}`, () => encodeModel(buildLogprobGraph(this.model, p.B, p.T, { from: p.from, lora })))
      const out = await s.run({ ...weights, input_ids: tensor('int64', p.ids, [p.B, p.T]), temperature: scalarTensor(o.temperature ?? this.train.temperature) })
      const l = out.logprobs.data as Float32Array
      const e = out.entropy.data as Float32Array
      rows.forEach((r, i) => {
        const n = b.inputIds[r].length
        lp[r] = Array.from(l.subarray(i * p.T, i * p.T + n))
        ent[r] = Array.from(e.subarray(i * p.T, i * p.T + n))
      })
    }
    return { logprobs: lp, entropy: ent }
  }

  /** Write an HF folder + optimizer state + trainer state (+ reference weights when held; with LoRA the base
   * model and the PEFT adapter folder files). */
  async save(dir: string): Promise<void> {
    await this.syncHost()
    await saveCheckpoint(dir, { config: this.model, params: this.base ?? this.params, tokenizer: this.tokenizer })
    if (this.lora) await savePeftAdapter(dir, this.model, this.lora, this.params)
    await writeFile(join(dir, OPTIMIZER_FILE), saveAdamWState(this.optimizer))
    if (this.reference) await writeFile(join(dir, REFERENCE_FILE), writeSafetensors(this.namedTensors(this.reference)))
    const { ep: _ep, threads: _threads, optimizer: _opt, ...portable } = this.train // machine-specific: not persisted
    await writeFile(join(dir, STATE_FILE), JSON.stringify({ updates: this.optimizer.t, seconds: this.trainingSeconds, skipped: this.skipped, train: portable }, null, 2))
  }

  /** Restore weights (into the live buffers), optimizer state and reference from a folder written by save(). */
  async load(dir: string): Promise<void> {
    const ck = await loadCheckpoint(dir)
    const specs = (c: ModelConfig) => paramSpecs(c).map((s) => `${s.name}:${s.shape}`).join()
    if (specs(ck.config) !== specs(this.model)) throw new Error(`Trainer.load: ${dir} holds a different architecture`)
    const saved = this.lora ? (await loadPeftAdapter(dir, this.model)).adapters : ck.params
    if (this.lora) for (const [k, v] of ck.params) this.base!.get(k)!.set(v)
    for (const s of this.specs) {
      const w = saved.get(s.name)
      if (!w) throw new Error(`Trainer.load: ${dir} has no ${s.name}${this.lora ? ' (a LoRA trainer needs the adapter files)' : ''}`)
      this.params.get(s.name)!.set(w)
    }
    this.tokenizer = ck.tokenizer ?? this.tokenizer
    await this.loadState(dir)
  }

  /** A trainer resumed from a folder written by save(); `train` overrides the saved TrainConfig fields. */
  static async fromCheckpoint(dir: string, train: Partial<TrainConfig> = {}): Promise<Trainer> {
    const ck = await loadCheckpoint(dir)
    const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as { train: Partial<TrainConfig> }
    const peft = (await hasPeftAdapter(dir)) ? await loadPeftAdapter(dir, ck.config) : undefined
    const t = new Trainer(ck.config, ck.params, { ...state.train, ...train }, { tokenizer: ck.tokenizer, lora: peft?.lora, adapters: peft?.adapters })
    await t.loadState(dir)
    return t
  }

  async close(): Promise<void> {
    await this.runtime.close()
  }

  // ---------------------------------------------------------------- internals

  /** Optimizer state, counters and reference weights of a folder written by save() (weights already in place). */
  private async loadState(dir: string): Promise<void> {
    loadAdamWState(this.optimizer, await readFile(join(dir, OPTIMIZER_FILE)))
    this.resetDeviceState()
    const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as { skipped?: number; seconds?: number }
    this.skipped = state.skipped ?? 0
    this.secondsBefore = state.seconds ?? 0
    this.clockStart = undefined
    if (await exists(join(dir, REFERENCE_FILE))) {
      const t = readSafetensors(await readFile(join(dir, REFERENCE_FILE)))
      this.setReference(new Map(this.specs.map((s) => [s.name, toFloat32(t[s.name])])))
    }
  }

  private readonly otherFeeds = new WeakMap<Map<string, Float32Array>, Record<string, ort.Tensor>>()

  /** Parameter feeds for other weights (e.g. an older policy version; with LoRA its adapters), cached per object. */
  private feedsOf(w: Map<string, Float32Array>): Record<string, ort.Tensor> {
    let f = this.otherFeeds.get(w)
    if (!f) this.otherFeeds.set(w, (f = { ...this.baseFeeds, ...specFeeds(this.specs, w) }))
    return f
  }

  /**
   * μ iterations over the packed micro-batches, `perUpdate` micro-batches per optimizer update: run each
   * (forward + backward, gradients accumulated), then clip + AdamW. Returns sums and token-weighted metric means.
   */
  private async runUpdates<M extends string>(
    packed: Packed[], kind: LossType | 'sft', perUpdate: number, iterations: number, metrics: readonly M[],
    run: (p: Packed, normalizer: number, first: boolean) => Promise<Record<string, ort.Tensor>>,
    prepare?: (chunk: Packed[]) => Promise<void>,
  ): Promise<{ sums: Sums; metric: Record<M, number> }> {
    const sums: Sums = { loss: 0, gradNorm: 0, lr: 0, tokens: 0, updates: 0, skipped: 0 }
    const metric = Object.fromEntries(metrics.map((k) => [k, 0])) as Record<M, number>
    const chunks = microBatches(packed.length, perUpdate).map((ix) => ix.map((i) => packed[i]))
    for (let it = 0; it < iterations; it++) {
      for (const chunk of chunks) {
        const N = lossNormalizer(kind, chunk.map((p) => ({ rows: p.rows.length, tokens: p.tokens })))
        await prepare?.(chunk)
        for (let k = 0; k < chunk.length; k++) {
          const out = await run(chunk[k], N, k === 0)
          sums.loss += Number(out.loss.data[0])
          for (const m of metrics) if (out[m]) metric[m] += Number(out[m].data[0]) * chunk[k].tokens
          sums.tokens += chunk[k].tokens
        }
        await this.update(sums)
      }
    }
    for (const m of metrics) metric[m] /= Math.max(sums.tokens, 1)
    return { sums, metric }
  }

  private grpoSession(p: Packed, oldGiven: boolean, ref: boolean): Promise<Session> {
    const tc = this.train
    const sampling = !!p.sampling && tc.offPolicyMaskThreshold !== undefined
    const key = `grpo/B${p.B}xT${p.T}/from${p.from}/old${oldGiven ? 1 : 0}/ref${ref ? 1 : 0}/sampling${sampling ? 1 : 0}/weight${p.weight ? 1 : 0}`
    return this.runtime.session(key, () =>
      encodeModel(buildGrpoGraph(this.model, p.B, p.T, {
        lossType: tc.lossType, beta: tc.beta, epsilon: tc.epsilon, epsilonHigh: tc.epsilonHigh, delta: tc.delta,
        maxCompletionLength: tc.maxCompletionLength, importanceSamplingLevel: tc.importanceSamplingLevel,
        offPolicyMaskThreshold: tc.offPolicyMaskThreshold, samplingLogprobs: sampling, tokenWeights: !!p.weight,
        oldFromCurrent: !oldGiven, klMetric: ref, entropy: tc.entropy, from: p.from, lora: this.lora,
      })))
  }

  private rowFeeds(p: Packed): Record<string, ort.Tensor> {
    return { input_ids: tensor('int64', p.ids, [p.B, p.T]), completion_mask: tensor('float32', p.mask, [p.B, p.T]) }
  }

  private grpoFeeds(p: Packed, normalizer: number): Record<string, ort.Tensor> {
    const f: Record<string, ort.Tensor> = {
      ...this.policyFeeds,
      ...this.rowFeeds(p),
      advantages: tensor('float32', p.advantages, [p.B]),
      loss_normalizer: scalarTensor(normalizer),
      temperature: scalarTensor(this.train.temperature),
    }
    if (p.old) f.old_logprobs = tensor('float32', p.old, [p.B, p.T])
    if (p.ref) f.ref_logprobs = tensor('float32', p.ref, [p.B, p.T])
    if (p.sampling && this.train.offPolicyMaskThreshold !== undefined) f.sampling_logprobs = tensor('float32', p.sampling, [p.B, p.T])
    if (p.weight) f.token_weight = tensor('float32', p.weight, [p.B, p.T])
    return f
  }

  /** Forward + backward of one micro-batch; gradients land in (first) or are added to the accumulator. */
  private async backward(s: Session, feeds: Record<string, ort.Tensor>, first: boolean, metrics: readonly string[]): Promise<Record<string, ort.Tensor>> {
    const fetches: Fetches = { loss: null }
    for (const m of metrics) if (s.outputNames.includes(m)) fetches[m] = null
    this.specs.forEach((sp, i) => { fetches[gradName(sp.name)] = first ? this.accT[i] : this.scratchT[i] })
    const out = await s.run(feeds, fetches)
    if (!first) {
      for (let i = 0; i < this.acc.length; i++) {
        const a = this.acc[i]
        const g = this.scratch[i]
        for (let j = 0; j < a.length; j++) a[j] += g[j]
      }
    }
    return out
  }

  /** Clip + AdamW on the accumulated gradient, with the schedule's rate for this update. */
  private async update(sums: Sums): Promise<void> {
    this.clockStart ??= performance.now()
    const lr = lrAt(this.optimizer.t, schedule(this.train), this.trainingSeconds)
    const r = this.momentT
      ? await this.graphUpdate(lr)
      : this.optimizer.step(this.specs.map((s) => this.params.get(s.name)!), this.acc, lr)
    sums.gradNorm += r.gradNorm
    sums.lr = lr
    if (r.skipped) { sums.skipped++; this.skipped++ } else sums.updates++
  }

  /** One AdamW update through the graph (learner/graph/adamw.ts): same rule as the JS loop. */
  private async graphUpdate(lr: number): Promise<{ gradNorm: number; skipped: boolean }> {
    const mt = this.momentT!
    const o = this.optimizer
    const outs = this.specs.flatMap((sp) => { const n = adamwNames(sp.name); return [n.newParam, n.newM, n.newV] })
    const s = await this.runtime.session('adamw', () => encodeModel(buildAdamWGraph(this.specs, { beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm })), { keepOnDevice: outs })
    const feeds: Record<string, ort.Tensor> = { lr: scalarTensor(lr), step: scalarTensor(o.t + 1) }
    this.specs.forEach((sp, i) => {
      const n = adamwNames(sp.name)
      feeds[n.param] = this.policyFeeds[sp.name]
      feeds[n.grad] = this.accT[i]
      feeds[n.m] = mt.m[i]
      feeds[n.v] = mt.v[i]
    })
    const out = await s.run(feeds)
    const gradNorm = Number(out.grad_norm.data[0])
    if (!Number.isFinite(gradNorm)) return { gradNorm, skipped: true } // the graph left p, m, v unchanged
    o.t++
    this.specs.forEach((sp, i) => {
      const n = adamwNames(sp.name)
      if (this.runtime.ep === 'cpu') {
        this.params.get(sp.name)!.set(out[n.newParam].data as Float32Array)
        o.m[i].set(out[n.newM].data as Float32Array)
        o.v[i].set(out[n.newV].data as Float32Array)
      } else {
        this.policyFeeds[sp.name] = out[n.newParam]
        mt.m[i] = out[n.newM]
        mt.v[i] = out[n.newV]
        this.deviceAhead = true
      }
    })
    return { gradNorm, skipped: false }
  }

  /** Point parameter / moment feeds back at the host arrays (after load()). */
  private resetDeviceState(): void {
    Object.assign(this.policyFeeds, specFeeds(this.specs, this.params))
    if (this.momentT) {
      this.momentT.m = this.specs.map((sp, i) => tensor('float32', this.optimizer.m[i], sp.shape))
      this.momentT.v = this.specs.map((sp, i) => tensor('float32', this.optimizer.v[i], sp.shape))
    }
    this.deviceAhead = false
  }

  /** Copy device-resident parameters and moments (optimizer 'graph' on a GPU) back to the host arrays. */
  async syncHost(): Promise<void> {
    if (!this.deviceAhead) return
    const mt = this.momentT!
    for (let i = 0; i < this.specs.length; i++) {
      const name = this.specs[i].name
      this.params.get(name)!.set((await this.policyFeeds[name].getData()) as Float32Array)
      this.optimizer.m[i].set((await mt.m[i].getData()) as Float32Array)
      this.optimizer.v[i].set((await mt.v[i].getData()) as Float32Array)
    }
    this.deviceAhead = false
  }

  private common(s: Sums, dt: number): SftMetrics {
    return {
      loss: s.loss / Math.max(s.updates + s.skipped, 1),
      grad_norm: s.gradNorm / Math.max(s.updates + s.skipped, 1),
      learning_rate: s.lr,
      num_tokens: s.tokens,
      updates: s.updates,
      skipped_updates: s.skipped,
      step_time_s: dt,
      tokens_per_second: s.tokens / dt,
    }
  }

  private namedTensors(m: Map<string, Float32Array>): Record<string, Tensor> {
    return Object.fromEntries(this.specs.map((s) => [s.name, { dtype: 'F32' as const, shape: s.shape, data: m.get(s.name)! }]))
  }
}
