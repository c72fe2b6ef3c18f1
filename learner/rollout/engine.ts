/**
 * Rollouts from an engine that is already running (vLLM, SGLang, any OpenAI-compatible completions server):
 * the policy source of `cohort rollout --engine openai`. The engine holds the weights; the worker only tells it
 * when a newer version is published, and tags each group with the version the engine actually serves:
 *
 *   acquire(atLeast) ──newer version published?──▶ wait until no group is generating ──▶ download + verify its
 *   files ──▶ reload the engine (SGLang update_weights_from_disk | vLLM load_lora_adapter | --on-version CMD)
 *     ├─ ok     → generate with it, tag groups with the new version
 *     └─ failed → log, never retry that version; keep generating and tagging with the version the engine serves
 *                (the learner's staleness rule then decides whether those groups are still trained)
 *
 * With no reload mechanism the engine serves `servedVersion` forever and every group says so.
 */
import { spawn } from 'node:child_process'
import type { Generator } from '../generate/index.js'
import { OpenAICompatibleGenerator, type OpenAICompatibleOptions } from '../generate/openai.js'
import { sleep, type BackoffOptions } from './backoff.js'
import { fetchModelFiles, modelFileReader } from './artifacts.js'
import type { EdgeClient, ModelInfo } from './client.js'
import { handOut, type Policy, type PolicySource } from './versions.js'

/** How the engine is told to load a new version (files already downloaded and verified into `dir`). */
export type EngineReload =
  | { kind: 'none' }
  /** SGLang: POST {baseUrl}/update_weights_from_disk { model_path } (the engine must see `dir`: same machine or shared volume) */
  | { kind: 'sglang' }
  /** vLLM with --enable-lora (and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True): POST /v1/load_lora_adapter, then generate with that adapter */
  | { kind: 'vllm-lora' }
  /** any command: run with COHORT_MODEL_DIR, COHORT_MODEL_VERSION, COHORT_MODEL_FORMAT in its environment; exit 0 = loaded */
  | { kind: 'command'; command: string }

export interface EngineOptions extends OpenAICompatibleOptions {
  reload: EngineReload
  /** the version the engine serves when the worker starts (default 0: the base model) */
  servedVersion?: number
  /** reload timeout (default 600 s) */
  reloadTimeoutMs?: number
}

export class EnginePolicies implements PolicySource {
  private served: number
  private model: string
  private generator: Generator
  private users = 0
  private switching: Promise<void> | null = null
  /** versions that failed to load (by number): never retried */
  private readonly refused = new Set<number>()
  private lastCheck = 0

  constructor(
    private readonly edge: EdgeClient,
    private readonly cacheDir: string,
    private readonly o: EngineOptions,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.served = o.servedVersion ?? 0
    this.model = o.model
    this.generator = new OpenAICompatibleGenerator(o)
  }

  get version(): number {
    return this.served
  }

  async acquire(atLeast: number, backoff: BackoffOptions = {}): Promise<Policy> {
    if (atLeast > this.served && this.o.reload.kind !== 'none' && !this.refused.has(atLeast))
      await (this.switching ??= this.switchTo(backoff).finally(() => (this.switching = null)))
    while (this.switching) await this.switching
    this.users++
    return handOut(this.served, this.generator, () => this.users--)
  }

  async close(): Promise<void> {
    await this.generator.close()
  }

  /** Load the newest published version into the engine once no group is being generated. */
  private async switchTo(backoff: BackoffOptions): Promise<void> {
    if (Date.now() - this.lastCheck < 1000) return // leases racing ahead of a failed switch: ask at most once a second
    this.lastCheck = Date.now()
    const info = await this.edge.latestModel(backoff)
    if (!info || info.version <= this.served || this.refused.has(info.version)) return
    while (this.users > 0) await sleep(20, backoff.signal) // never change weights under a group being generated
    try {
      const dir = await fetchModelFiles(info, this.cacheDir, modelFileReader(this.edge))
      await this.reload(info, dir)
      this.served = info.version
      this.log(`rollout: engine now serves model v${info.version} (step ${info.step})`)
    } catch (err) {
      this.refused.add(info.version)
      this.log(`rollout: engine did not load model v${info.version}, still tagging v${this.served}: ${(err as Error).message}`)
    }
  }

  private async reload(info: ModelInfo, dir: string): Promise<void> {
    const r = this.o.reload
    const timeout = AbortSignal.timeout(this.o.reloadTimeoutMs ?? 600_000)
    const root = this.o.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')
    const post = async (path: string, body: unknown) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`
      const res = await fetch(root + path, { method: 'POST', headers, body: JSON.stringify(body), signal: timeout })
      const text = await res.text()
      if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`)
      return text
    }
    switch (r.kind) {
      case 'none':
        throw new Error('no reload mechanism configured')
      case 'sglang': {
        const text = await post('/update_weights_from_disk', { model_path: dir })
        // SGLang answers 200 with { success: false, message } when the weights did not load
        if (/"success"\s*:\s*false/.test(text)) throw new Error(`update_weights_from_disk: ${text.slice(0, 300)}`)
        return
      }
      case 'vllm-lora': {
        const name = `cohort-v${info.version}`
        await post('/v1/load_lora_adapter', { lora_name: name, lora_path: dir })
        this.model = name
        this.generator = new OpenAICompatibleGenerator({ ...this.o, model: name })
        return
      }
      case 'command':
        return runCommand(r.command, {
          COHORT_MODEL_DIR: dir,
          COHORT_MODEL_VERSION: String(info.version),
          COHORT_MODEL_FORMAT: info.format ?? 'onnx',
        }, timeout)
    }
  }
}

function runCommand(command: string, env: Record<string, string>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'pipe'], signal })
    let stderr = ''
    child.stderr.on('data', (b) => (stderr = (stderr + b).slice(-500)))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`--on-version command exited ${code}: ${stderr.trim()}`))))
  })
}
