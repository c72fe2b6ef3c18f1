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
 *
 * Prompt ids: the generator is given the served version's tokenizer and prompt-BOS flag (config.json
 * cohort_prompt_bos), read from the version's small files only (PROMPT_FILES, verified against its manifest, never
 * the weights), so every prompt goes to the engine as the ids the learner rebuilds (OpenAICompatibleGenerator).
 * A version without tokenizer files keeps text prompts as strings (logged once: their ids cannot be checked).
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Generator } from '../generate/index.js'
import { OpenAICompatibleGenerator, type OpenAICompatibleOptions } from '../generate/openai.js'
import { CHAT_TEMPLATE_FILE, promptBosOf, TOKENIZER_CONFIG, tokenizerOf } from '../io/index.js'
import { manifestOf, sha256Hex } from '../publish/manifest.js'
import type { Tokenizer } from '../tokenizer/index.js'
import { AbortedError, sleep, type BackoffOptions } from './backoff.js'
import { ArtifactError, fetchModelFiles, modelFileReader, type ModelFileReader } from './artifacts.js'
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

/** The files of a version that say how its prompts are tokenized (small: never the weights). */
export const PROMPT_FILES = ['config.json', 'tokenizer.json', TOKENIZER_CONFIG, CHAT_TEMPLATE_FILE] as const

/** How a version's prompts become ids: its tokenizer (none: the version lists no tokenizer files) and prompt BOS. */
export interface PromptTokenization {
  tokenizer?: Tokenizer
  addBos: boolean
}

/**
 * A version's prompt tokenization from its PROMPT_FILES (each checked against the version's manifest), as the
 * learner's model folder gives it: config.json (cohort_tokenizer, cohort_prompt_bos, bos/eos/pad ids),
 * tokenizer.json, tokenizer_config.json (chat_template), chat_template.jinja.
 */
export async function promptTokenization(model: ModelInfo, read: ModelFileReader): Promise<PromptTokenization> {
  if (manifestOf(model.files ?? {}).sha256 !== model.sha256)
    throw new ArtifactError(`model v${model.version}: its file table does not hash to the version's ${model.sha256}`)
  const text = new Map<string, string>()
  for (const path of PROMPT_FILES) {
    const want = model.files[path]
    if (!want) continue
    const bytes = await read(model, path)
    if (bytes.length !== want.bytes || sha256Hex(bytes) !== want.sha256)
      throw new ArtifactError(`model v${model.version} ${path}: ${bytes.length} bytes that do not match the manifest's sha256 ${want.sha256}`)
    text.set(path, new TextDecoder().decode(bytes))
  }
  const json = (path: string) => {
    try {
      return JSON.parse(text.get(path)!) as Record<string, unknown>
    } catch (e) {
      throw new ArtifactError(`model v${model.version} ${path}: ${(e as Error).message}`)
    }
  }
  if (!text.has('config.json')) return { addBos: false }
  const raw = json('config.json')
  let tokenizerConfig = text.has(TOKENIZER_CONFIG) ? json(TOKENIZER_CONFIG) : undefined
  if (tokenizerConfig?.chat_template === undefined && text.has(CHAT_TEMPLATE_FILE))
    tokenizerConfig = { ...tokenizerConfig, chat_template: text.get(CHAT_TEMPLATE_FILE) }
  // only the special ids matter here (as resolveConfig reads them): a config Cohort could not train is still tokenized
  const ids = { bos_token_id: raw.bos_token_id as number | undefined, eos_token_id: raw.eos_token_id as number | number[] | undefined, pad_token_id: raw.pad_token_id as number | undefined }
  const tokenizer = tokenizerOf(raw, ids, { tokenizerJson: text.get('tokenizer.json'), tokenizerConfig })
  return { tokenizer, addBos: promptBosOf(raw) }
}

/** Reads a version's files from the folder fetchModelFiles verified them into. */
const folderReader = (dir: string): ModelFileReader => async (_, path) => new Uint8Array(await readFile(join(dir, path)))

export class EnginePolicies implements PolicySource {
  private served: number
  private model: string
  private generator: Generator
  private users = 0
  private switching: Promise<void> | null = null
  /** versions that failed to load (by number): never retried */
  private readonly refused = new Set<number>()
  private lastCheck = 0
  /** the served version's prompt tokenization; retryAt: when to ask again for one not yet readable (not published) */
  private prompts?: PromptTokenization & { version: number; retryAt: number }

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

  /** A generator for the served model name with the served version's prompt tokenization. */
  private build(): void {
    const p = this.prompts
    const tokenizer = p?.tokenizer ?? this.o.tokenizer
    const addBos = p?.tokenizer ? p.addBos : this.o.addBos
    this.generator = new OpenAICompatibleGenerator({ ...this.o, model: this.model, tokenizer, addBos })
  }

  private usePrompts(version: number, p: PromptTokenization, retryAt = Infinity, why = 'lists no tokenizer files'): void {
    if (!p.tokenizer && this.prompts?.version !== version)
      this.log(`rollout: model v${version} ${why}: text prompts go to the engine as text (chat prompts are refused), and the prompt ids it conditions on cannot be checked against the learner's`)
    this.prompts = { ...p, version, retryAt }
    this.build()
  }

  /** Read the served version's prompt tokenization (small files only; the engine already has the weights). */
  private async loadPrompts(backoff: BackoffOptions): Promise<void> {
    const version = this.served
    try {
      const info = await this.edge.model(version, backoff)
      if (!info) return this.usePrompts(version, { addBos: false }, Date.now() + 5000, 'is not published (yet)') // ask again later
      this.usePrompts(version, await promptTokenization(info, modelFileReader(this.edge)))
    } catch (err) {
      if (err instanceof AbortedError) throw err
      this.usePrompts(version, { addBos: false }, Date.now() + 5000, `tokenizer files could not be read (${(err as Error).message}; trying again in 5 s)`)
    }
  }

  get version(): number {
    return this.served
  }

  async acquire(atLeast: number, backoff: BackoffOptions = {}): Promise<Policy> {
    while (this.switching) await this.switching
    const p = this.prompts
    if (!p || p.version !== this.served || (!p.tokenizer && Date.now() >= p.retryAt))
      await (this.switching ??= this.loadPrompts(backoff).finally(() => (this.switching = null)))
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
      let prompts: PromptTokenization = { addBos: false }
      let why: string | undefined
      try {
        prompts = await promptTokenization(info, folderReader(dir))
      } catch (e) {
        why = `tokenizer files could not be read (${(e as Error).message})`
      }
      await this.reload(info, dir)
      this.served = info.version
      this.usePrompts(info.version, prompts, Infinity, why)
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
        this.build()
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
