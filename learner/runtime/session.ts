/**
 * Runtime: onnxruntime-node sessions cached per key (graph kind + shape bucket), on one execution provider,
 * with `run(feeds, fetches?)` that can fill pre-allocated output tensors in place and can keep chosen outputs
 * on the device (`gpu-buffer`) so parameters and moments never leave the GPU between steps.
 */
import { readdir } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { ExecutionProviderUnavailable, resolveEp, type ExecutionProvider } from './ep.js'

export interface RuntimeOptions {
  /** execution provider; default env COHORT_EP, else 'cpu'. */
  ep?: ExecutionProvider | string
  /** intra-op threads (0/undefined = onnxruntime's default: one per core). */
  threads?: number
  /** ORT graph optimisation level (default 'all'). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all'
  /** ORT's profiler on every session: trace files are written as `<profile>_<time>.json` (endProfiling()) */
  profile?: string
}

export interface SessionOptions {
  /**
   * Outputs to keep on the device ('gpu-buffer', for cuda/webgpu): e.g. the updated parameters/moments that
   * are fed back next step. Ignored on cpu (everything is CPU memory there).
   */
  keepOnDevice?: readonly string[]
  /** more onnxruntime session options for this session (e.g. `{ extra: { session: { … } } }`: config entries) */
  ort?: Partial<ort.InferenceSession.SessionOptions>
}

export type Feeds = Record<string, ort.Tensor>
/** Output name → a pre-allocated tensor to fill in place, or null to let onnxruntime allocate. */
export type Fetches = Record<string, ort.Tensor | null>

/** onnxruntime-node fills pre-allocated CPU outputs in place; onnxruntime-web (browser bundle) does not. */
const IN_PLACE = 'node' in ort.env.versions

/** One compiled graph. */
export class Session {
  private readonly inputs: ReadonlySet<string>
  private readonly outputs: ReadonlySet<string>

  constructor(readonly key: string, readonly inner: ort.InferenceSession) {
    this.inputs = new Set(inner.inputNames)
    this.outputs = new Set(inner.outputNames)
  }

  get inputNames(): readonly string[] { return this.inner.inputNames }
  get outputNames(): readonly string[] { return this.inner.outputNames }

  /**
   * Run the graph. Without `fetches` every output is returned (freshly allocated). With `fetches` (names, or
   * name → tensor|null), only those outputs are computed; tensors given there are filled in place (the returned
   * map holds tensors viewing the same buffers), nulls are allocated by onnxruntime. Missing or unknown feeds
   * and unknown fetches throw naming them.
   */
  async run(feeds: Feeds, fetches?: Fetches | readonly string[]): Promise<Record<string, ort.Tensor>> {
    const problems: string[] = []
    const missing = this.inner.inputNames.filter((n) => !(n in feeds))
    const unknown = Object.keys(feeds).filter((n) => !this.inputs.has(n))
    const wanted = fetches === undefined ? [] : Array.isArray(fetches) ? fetches : Object.keys(fetches)
    const badFetch = wanted.filter((n) => !this.outputs.has(n))
    if (missing.length) problems.push(`missing feeds ${missing.join(', ')}`)
    if (unknown.length) problems.push(`unknown feeds ${unknown.join(', ')}`)
    if (badFetch.length) problems.push(`unknown fetches ${badFetch.join(', ')}`)
    if (problems.length) throw new Error(`session ${this.key}: ${problems.join('; ')}`)
    if (fetches === undefined) return this.inner.run(feeds)
    if (Array.isArray(fetches) || IN_PLACE) return this.inner.run(feeds, (Array.isArray(fetches) ? [...fetches] : fetches) as ort.InferenceSession.FetchesType)
    // onnxruntime-web (the browser bundle's stand-in) does not write CPU outputs back into given tensors: copy them
    const out: Record<string, ort.Tensor> = { ...(await this.inner.run(feeds, Object.keys(fetches))) }
    for (const [name, t] of Object.entries(fetches)) {
      if (!t) continue
      ;(t.data as Float32Array).set(out[name].data as Float32Array)
      out[name] = t
    }
    return out
  }

  release(): Promise<void> { return this.inner.release() }
}

/** Sessions for one execution provider, cached by key. */
export class Runtime {
  readonly ep: ExecutionProvider
  readonly threads: number | undefined
  private readonly optimization: RuntimeOptions['optimization']
  private readonly profile?: string
  private readonly cache = new Map<string, Promise<Session>>()
  private users = 0

  constructor(opts: RuntimeOptions = {}) {
    this.ep = resolveEp(opts.ep)
    this.threads = opts.threads || undefined
    this.optimization = opts.optimization ?? 'all'
    this.profile = opts.profile
  }

  /**
   * The session for `key` (e.g. `grpo-step/B8xT256`), built on first use from `model` (ONNX bytes or a
   * thunk producing them, so graphs are only built for buckets actually used).
   */
  session(key: string, model: Uint8Array | (() => Uint8Array), opts: SessionOptions = {}): Promise<Session> {
    let s = this.cache.get(key)
    if (!s) {
      s = this.create(key, typeof model === 'function' ? model() : model, opts)
      s.catch(() => this.cache.delete(key))
      this.cache.set(key, s)
    }
    return s
  }

  /** Keys of the sessions built so far. */
  keys(): string[] { return [...this.cache.keys()] }

  private async create(key: string, bytes: Uint8Array, opts: SessionOptions): Promise<Session> {
    const o: ort.InferenceSession.SessionOptions = {
      executionProviders: [this.ep],
      graphOptimizationLevel: this.optimization,
    }
    if (this.profile) { o.enableProfiling = true; o.profileFilePrefix = this.profile }
    if (this.threads) { o.intraOpNumThreads = this.threads; o.interOpNumThreads = 1 }
    if (opts.ort) Object.assign(o, opts.ort)
    if (this.ep !== 'cpu' && opts.keepOnDevice?.length) {
      o.preferredOutputLocation = Object.fromEntries(opts.keepOnDevice.map((n) => [n, 'gpu-buffer' as const]))
    }
    try {
      return new Session(key, await ort.InferenceSession.create(bytes, o))
    } catch (e) {
      if (this.ep !== 'cpu' && /provider|adapter|shared library|Vulkan|CUDA|webgpu/i.test(String(e))) throw new ExecutionProviderUnavailable(this.ep, e)
      throw new Error(`session ${key}: onnxruntime could not load the graph: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  /** Stop profiling every session (RuntimeOptions.profile) and return the trace files written. */
  async endProfiling(): Promise<string[]> {
    if (!this.profile) return []
    for (const p of this.cache.values()) (await p.catch(() => undefined))?.inner.endProfiling()
    const dir = dirname(this.profile)
    return (await readdir(dir)).filter((f) => f.startsWith(basename(this.profile!)) && f.endsWith('.json')).map((f) => join(dir, f))
  }

  /**
   * Shared use: each user (e.g. the generators of successive model versions, which run the same graphs with
   * other weights) retains the runtime and releases it when done; the last release closes every session.
   */
  retain(): void { this.users++ }
  async release(): Promise<void> {
    if (--this.users <= 0) { this.users = 0; await this.close() }
  }

  /** Release every cached session. */
  async close(): Promise<void> {
    const all = [...this.cache.values()]
    this.cache.clear()
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.release()))
  }
}
