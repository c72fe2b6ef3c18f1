/**
 * EdgeClient: the rollout worker's HTTP client of the edge API v1 (Bearer worker key).
 *   lease(task)            POST /v1/leases                → Lease (503 "no prompt free" and 429 are retried)
 *   leaseMany(task, n)     POST /v1/leases {count: n}     → Lease[] (1..n of them)
 *   submit(leaseId, body)  POST /v1/leases/{id}/group     → GroupResult (idempotent at the edge, so retried freely)
 *   submitMany(groups)     POST /v1/groups                → GroupOutcome[] (each stored, replayed or refused)
 *   latestModel()          GET  /v1/models/latest         → ModelInfo | null (404: none published yet)
 *   model(version)         GET  /v1/models/{version}      → ModelInfo | null
 *   modelFile(version, p)  GET  /v1/models/{version}/files/{p} → bytes (the edge streams them from the artifact store)
 * Token ids and log-probs go out as base64 of their packed little-endian bytes (the edge's compact encoding: about
 * a third of the JSON arrays' size and no per-element parsing at the edge); `arrays: true` sends JSON arrays.
 * Network errors, 429, 502, 503 and 504 are retried with exponential backoff and jitter (backoff.ts); other
 * errors throw EdgeError carrying the problem+json detail.
 */
import { packFloat32, packInt32, toBase64 } from '../../common/packed.js'
import type { ChatPrompt } from '../tokenizer/index.js'
import { RetryableError, withRetry, type BackoffOptions } from './backoff.js'

export interface Lease {
  leaseId: number
  prompt: { id: number; text: string }
  groupSize: number
  /** newest published version when leased (0: none) */
  modelVersion: number
  expiresAt: string
  generation: { maxNewTokens: number; temperature: number; topP: number; topK: number }
  /** the task's chat option (null: the prompt text as is) */
  chat: ChatPrompt | null
}

export interface SubmitCompletion {
  text: string
  tokenIds?: number[]
  logprobs?: number[]
  finishReason?: 'stop' | 'length'
}

export interface GroupResult {
  groupId: number
  status: string
  rewards: (number | null)[]
  advantages: number[] | null
}

/** One group of a POST /v1/groups batch. */
export interface GroupSubmission {
  leaseId: number
  modelVersion: number
  completions: SubmitCompletion[]
}

/** The edge's answer for one group of a batch: 201 stored, 200 replayed (with `group`), else `problem`. */
export interface GroupOutcome {
  leaseId: number
  status: number
  group?: GroupResult
  problem?: { status: number; detail: string }
}

/** A published model version as GET /v1/models/* describes it. */
export interface ModelInfo {
  version: number
  step: number
  /** where the learner stored the files: file:///dir/, s3://bucket/…/ or http(s)://…/ (paths relative to it) */
  artifactUri: string
  sha256: string
  /** per file: sha256 and size, and its own download URL where it has one (versions registered by outside trainers) */
  files: Record<string, { sha256: string; bytes: number; url?: string }>
  /** onnx: graphs Cohort's ONNX workers load; safetensors: HF-layout weights for engines such as vLLM/SGLang */
  format?: 'onnx' | 'safetensors'
  metrics: Record<string, unknown>
  publishedAt: string
}

export class EdgeError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`edge answered ${status}: ${detail}`)
  }
}

const RETRY_STATUS = new Set([429, 502, 503, 504])
/** a model file may be hundreds of MB: its download gets longer than an API call */
const FILE_TIMEOUT_MS = 600_000

/**
 * Completion text as the edge accepts it: NUL (U+0000), which Postgres text cannot store and the edge refuses
 * with a 400, becomes U+FFFD. Only the display/verification text changes; token ids keep the exact bytes.
 */
export const submittableText = (text: string) => text.replaceAll('\u0000', '\uFFFD')

export interface EdgeClientOptions {
  /** e.g. http://127.0.0.1:8787 */
  baseUrl: string
  key: string
  /** per-request timeout in ms (default 30 000) */
  timeoutMs?: number
  backoff?: BackoffOptions
  /** send token ids / log-probs as JSON arrays instead of base64 of packed bytes (default false) */
  arrays?: boolean
}

/** A completion as sent: token ids / log-probs as base64 of their packed bytes. */
const wireCompletion = (c: SubmitCompletion) => ({
  ...c,
  ...(c.tokenIds ? { tokenIds: toBase64(packInt32(c.tokenIds)) } : {}),
  ...(c.logprobs ? { logprobs: toBase64(packFloat32(c.logprobs)) } : {}),
})

export class EdgeClient {
  readonly baseUrl: string
  constructor(readonly o: EdgeClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '')
  }

  /** One HTTP exchange; retryable failures become RetryableError. 404 resolves to null when `nullOn404`. */
  private async once<T>(
    method: string,
    path: string,
    body: unknown,
    nullOn404: boolean,
    read: (res: Response) => Promise<T> = (res) => res.json() as Promise<T>,
    timeoutMs = this.o.timeoutMs ?? 30_000,
  ): Promise<T | null> {
    let res: Response
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.o.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (err) {
      throw new RetryableError(`${method} ${path}: ${(err as Error).message}`, 0, { cause: err })
    }
    if (res.ok) {
      try {
        return await read(res)
      } catch (err) {
        if (err instanceof EdgeError) throw err
        throw new RetryableError(`${method} ${path}: ${(err as Error).message}`, 0, { cause: err }) // body cut off
      }
    }
    if (res.status === 404 && nullOn404) return null
    const text = await res.text()
    let detail = text.slice(0, 500)
    let exactMs: number | undefined // backpressure's wait to the millisecond (the problem's retryAfterMs)
    try {
      const problem = JSON.parse(text) as { detail?: string; retryAfterMs?: unknown }
      detail = problem.detail ?? detail
      if (typeof problem.retryAfterMs === 'number' && Number.isFinite(problem.retryAfterMs) && problem.retryAfterMs >= 0)
        exactMs = Math.min(problem.retryAfterMs, 60_000)
    } catch {}
    if (RETRY_STATUS.has(res.status)) {
      const ra = Number(res.headers.get('retry-after'))
      const message = `${method} ${path}: ${res.status} ${detail}`
      if (exactMs !== undefined) throw new RetryableError(message, exactMs, { exact: true })
      throw new RetryableError(message, Number.isFinite(ra) ? ra * 1000 : 0)
    }
    throw new EdgeError(res.status, detail)
  }

  private call<T>(
    method: string,
    path: string,
    body: unknown,
    nullOn404: boolean,
    backoff?: BackoffOptions,
    read?: (res: Response) => Promise<T>,
    timeoutMs?: number,
  ) {
    return withRetry(() => this.once<T>(method, path, body, nullOn404, read, timeoutMs), { ...this.o.backoff, ...backoff })
  }

  /** Lease a prompt; waits (backoff) while every prompt is leased. */
  async lease(task: string, backoff?: BackoffOptions): Promise<Lease> {
    return (await this.call<Lease>('POST', '/v1/leases', { task }, false, backoff))!
  }

  /** Lease up to `count` prompts (1–64) in one request; waits (backoff) while none is free. */
  async leaseMany(task: string, count: number, backoff?: BackoffOptions): Promise<Lease[]> {
    return (await this.call<{ leases: Lease[] }>('POST', '/v1/leases', { task, count }, false, backoff))!.leases
  }

  /**
   * Submit several leases' groups in one request (1–64, distinct leases); outcomes in the same order. Retrying
   * the whole request is safe: groups already stored come back as replays (200).
   */
  async submitMany(groups: GroupSubmission[], backoff?: BackoffOptions): Promise<GroupOutcome[]> {
    const wire = groups.map((g) => ({ ...g, completions: this.wire(g.completions) }))
    return (await this.call<{ results: GroupOutcome[] }>('POST', '/v1/groups', { groups: wire }, false, backoff))!.results
  }

  /** Submit a lease's group. Retrying is safe: the same body for the same lease returns the same group. */
  async submit(leaseId: number, body: { modelVersion: number; completions: SubmitCompletion[] }, backoff?: BackoffOptions) {
    const wire = { ...body, completions: this.wire(body.completions) }
    return (await this.call<GroupResult>('POST', `/v1/leases/${leaseId}/group`, wire, false, backoff))!
  }

  private wire(completions: SubmitCompletion[]) {
    return this.o.arrays ? completions : completions.map(wireCompletion)
  }

  /** The newest published model version, or null when none is. */
  latestModel(backoff?: BackoffOptions): Promise<ModelInfo | null> {
    return this.call<ModelInfo>('GET', '/v1/models/latest', undefined, true, backoff)
  }

  /** One published model version, or null when there is no such version. */
  model(version: number, backoff?: BackoffOptions): Promise<ModelInfo | null> {
    return this.call<ModelInfo>('GET', `/v1/models/${version}`, undefined, true, backoff)
  }

  /**
   * One file of a published version, through the edge (which reads the artifact store: no bucket credentials
   * here). The caller checks the bytes against the version's manifest; a body whose sha256 header differs from
   * `sha256` (when given) is refused here already.
   */
  async modelFile(version: number, path: string, sha256?: string, backoff?: BackoffOptions): Promise<Uint8Array> {
    const url = `/v1/models/${version}/files/${path.split('/').map(encodeURIComponent).join('/')}`
    const read = async (res: Response) => {
      const said = res.headers.get('x-cohort-sha256')
      if (sha256 && said && said !== sha256) throw new EdgeError(res.status, `${path} of v${version}: the edge serves sha256 ${said}, the manifest says ${sha256}`)
      return new Uint8Array(await res.arrayBuffer())
    }
    return (await this.call('GET', url, undefined, false, backoff, read, FILE_TIMEOUT_MS))!
  }
}
