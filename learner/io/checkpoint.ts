/**
 * Hugging Face model folders ↔ { config, params, tokenizer }.
 *
 * A folder holds config.json, the weights (model.safetensors, or shards listed in model.safetensors.index.json)
 * and optionally tokenizer.json (+ tokenizer_config.json). Parameters come back as Float32Array (F16/BF16/F64
 * widened) in `paramSpecs` order, named as in transformers (model.layers.N.self_attn.q_proj.weight, …).
 * With tie_word_embeddings the file's lm_head.weight (if any) is ignored and never written: the model reads
 * model.embed_tokens.weight for both. Built-in byte-tokenizer models record `"cohort_tokenizer": "bytes"` in
 * config.json instead of a tokenizer.json; a learner run with --add-bos records `"cohort_prompt_bos": true` (its
 * workers prepend BOS to raw text prompts as it does). Options we do not implement (other rope types, sliding windows that
 * bite, other activations, MLP biases, unknown keys) are refused at load by name (learner/config.ts
 * resolveConfig) rather than silently trained wrong.
 */
import { mkdir, readFile, writeFile, access } from 'node:fs/promises'
import { join } from 'node:path'
import { hfConfigJson, paramSpecs, resolveConfig, type ModelConfig } from '../config.js'
import { createRng } from '../sample/rng.js'
import { byteTokenizer, hfTokenizer, type Tokenizer } from '../tokenizer/index.js'
import { chatTemplateOf } from '../tokenizer/hf.js'
import { GENERATION_CONFIG, loadGenerationConfig, type GenerationDefaults } from './generation-config.js'
import { numel, toFloat32, type Tensor } from './safetensors.js'
import { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.js'

export interface Checkpoint {
  config: ModelConfig
  /** every trainable tensor, in paramSpecs(config) order */
  params: Map<string, Float32Array>
  /** from tokenizer.json, or the byte tokenizer for built-in models; undefined when the folder has neither */
  tokenizer?: Tokenizer
  /** generation_config.json: extra stop ids and the model's default sampling */
  generation?: GenerationDefaults
  /** raw text prompts start with the tokenizer's BOS (the learner's --add-bos): config.json `cohort_prompt_bos: true`,
   * written only when true. Every rollout worker of a published version reads it, so the prompt ids a completion
   * was sampled after are the ones the learner rebuilds (tokenizer/chat.ts promptIds). */
  promptBos?: boolean
}

export const WEIGHTS_FILE = 'model.safetensors'
export const INDEX_FILE = 'model.safetensors.index.json'
export const TOKENIZER_CONFIG = 'tokenizer_config.json'
export const CHAT_TEMPLATE_FILE = 'chat_template.jinja'

/** Tensors that some checkpoints carry but that are not parameters (recomputed from the config). */
const IGNORED = /(^|\.)rotary_emb\.inv_freq$/

const exists = (p: string) => access(p).then(() => true, () => false)

async function readJson(path: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`)
  }
}

/** All tensors of the folder's weights, single file or sharded (read tensor by tensor, no whole-file buffer). */
async function readWeights(dir: string): Promise<Record<string, Tensor>> {
  if (await exists(join(dir, WEIGHTS_FILE))) return (await readSafetensorsFile(join(dir, WEIGHTS_FILE))).tensors
  if (!(await exists(join(dir, INDEX_FILE)))) throw new Error(`${dir}: neither ${WEIGHTS_FILE} nor ${INDEX_FILE}`)
  const index = await readJson(join(dir, INDEX_FILE))
  const map = index.weight_map as Record<string, string> | undefined
  if (!map || typeof map !== 'object') throw new Error(`${INDEX_FILE}: missing weight_map`)
  const out: Record<string, Tensor> = {}
  for (const file of new Set(Object.values(map))) {
    if (file.includes('/') || file.includes('\\') || file.startsWith('.'))
      throw new Error(`${INDEX_FILE}: shard name ${JSON.stringify(file)} must be a plain file name`)
    const shard = await readSafetensorsFile(join(dir, file), (name) => map[name] === file)
    Object.assign(out, shard.tensors)
  }
  const missing = Object.keys(map).filter((n) => !(n in out))
  if (missing.length) throw new Error(`${INDEX_FILE}: tensors not found in their shard: ${missing.slice(0, 5).join(', ')}`)
  return out
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const raw = await readJson(join(dir, 'config.json'))
  // resolveConfig reads a missing model_type as llama (Cohort's own tiny configs); a downloaded file without one is
  // refused, as transformers' AutoConfig refuses it, rather than loaded as whatever llama makes of it
  if (raw.model_type === undefined) throw new Error(`${join(dir, 'config.json')}: no model_type (implemented: llama, qwen2, qwen3, mistral)`)
  const config = resolveConfig(raw)
  const params = paramsFromTensors(config, await readWeights(dir), dir)
  return {
    config,
    params,
    tokenizer: await loadTokenizer(dir, raw, config),
    generation: await loadGenerationConfig(dir),
    ...(promptBosOf(raw) ? { promptBos: true } : {}),
  }
}

/** config.json's `cohort_prompt_bos` (see Checkpoint.promptBos): true, or false when absent; anything else is refused. */
export function promptBosOf(raw: Record<string, unknown>): boolean {
  const v = raw.cohort_prompt_bos
  if (v !== undefined && typeof v !== 'boolean') throw new Error(`config.json: cohort_prompt_bos must be true or false, not ${JSON.stringify(v)}`)
  return v === true
}

/**
 * The parameters of `config` (paramSpecs order, Float32Array) from a weights file's tensors, each checked
 * against the shape the config implies; missing or unexpected tensors throw naming them (`where`: the source).
 */
export function paramsFromTensors(config: ModelConfig, tensors: Record<string, Tensor>, where: string): Map<string, Float32Array> {
  const specs = paramSpecs(config)
  const params = new Map<string, Float32Array>()
  const missing: string[] = []
  for (const s of specs) {
    const t = tensors[s.name]
    if (!t) {
      missing.push(s.name)
      continue
    }
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i]))
      throw new Error(`${s.name}: shape [${t.shape}] in the file, config.json implies [${s.shape}]`)
    params.set(s.name, toFloat32(t))
  }
  if (missing.length) throw new Error(`${where}: missing tensors: ${missing.join(', ')}`)
  const known = new Set(specs.map((s) => s.name))
  const extra = Object.keys(tensors).filter(
    (n) => !known.has(n) && !IGNORED.test(n) && !(config.tie_word_embeddings && n === 'lm_head.weight'),
  )
  if (extra.length) throw new Error(`${where}: unexpected tensors (unsupported architecture?): ${extra.slice(0, 5).join(', ')}`)
  return params
}

async function loadTokenizer(dir: string, raw: Record<string, unknown>, c: ModelConfig): Promise<Tokenizer | undefined> {
  const tcPath = join(dir, TOKENIZER_CONFIG)
  const tokenizerPath = join(dir, 'tokenizer.json')
  let tokenizerConfig = (await exists(tcPath)) ? await readJson(tcPath) : undefined
  // newer transformers save the template as chat_template.jinja beside tokenizer_config.json
  const jinja = join(dir, CHAT_TEMPLATE_FILE)
  if (tokenizerConfig?.chat_template === undefined && (await exists(jinja)))
    tokenizerConfig = { ...tokenizerConfig, chat_template: await readFile(jinja, 'utf8') }
  return tokenizerOf(raw, c, {
    tokenizerJson: (await exists(tokenizerPath)) ? await readFile(tokenizerPath, 'utf8') : undefined,
    tokenizerConfig,
  })
}

/**
 * The tokenizer a model folder describes, from its files' contents (no file system: the browser worker calls it
 * with downloaded files): tokenizer.json (+ tokenizer_config.json) → the HF tokenizer; config.json's
 * `cohort_tokenizer: "bytes"` → the byte tokenizer; else none.
 */
export function tokenizerOf(
  raw: Record<string, unknown>,
  c: Pick<ModelConfig, 'bos_token_id' | 'eos_token_id' | 'pad_token_id'>,
  files: { tokenizerJson?: string; tokenizerConfig?: Record<string, unknown> },
): Tokenizer | undefined {
  if (files.tokenizerJson !== undefined) {
    const eos = Array.isArray(c.eos_token_id) ? c.eos_token_id[0] : c.eos_token_id
    return hfTokenizer(files.tokenizerJson, files.tokenizerConfig ?? {}, { eos, bos: c.bos_token_id, pad: c.pad_token_id })
  }
  if (raw.cohort_tokenizer === 'bytes') return byteTokenizer(files.tokenizerConfig ? chatTemplateOf(files.tokenizerConfig) : undefined)
  return undefined
}

export interface SaveOptions {
  /** split the weights into shards of at most this many bytes (plus an index), as transformers does */
  maxShardBytes?: number
}

/** Write an HF-loadable folder: config.json, model.safetensors (or shards + index), tokenizer.json and
 * tokenizer_config.json (with the chat template) and generation_config.json if any. */
export async function saveCheckpoint(dir: string, ckpt: Checkpoint, opts: SaveOptions = {}): Promise<void> {
  const { config, params, tokenizer } = ckpt
  await mkdir(dir, { recursive: true })
  const specs = paramSpecs(config)
  const tensors: Record<string, Tensor> = {}
  for (const s of specs) {
    const data = params.get(s.name)
    if (!data) throw new Error(`saveCheckpoint: missing parameter ${s.name}`)
    if (data.length !== numel(s.shape)) throw new Error(`saveCheckpoint: ${s.name} has ${data.length} elements, shape [${s.shape}]`)
    tensors[s.name] = { dtype: 'F32', shape: s.shape, data }
  }
  const shards = splitShards(tensors, opts.maxShardBytes ?? Infinity)
  const meta = { format: 'pt' }
  if (shards.length === 1) await writeSafetensorsFile(join(dir, WEIGHTS_FILE), shards[0], meta)
  else {
    const weightMap: Record<string, string> = {}
    let total = 0
    for (let i = 0; i < shards.length; i++) {
      const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`
      for (const [name, t] of Object.entries(shards[i])) {
        weightMap[name] = file
        total += t.data.byteLength
      }
      await writeSafetensorsFile(join(dir, file), shards[i], meta)
    }
    await writeFile(join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2))
  }
  const hfConfig = hfConfigJson(config)
  if (tokenizer && !tokenizer.json) hfConfig.cohort_tokenizer = 'bytes'
  if (ckpt.promptBos) hfConfig.cohort_prompt_bos = true // only when true: folders without it are unchanged
  if (tokenizer) {
    hfConfig.eos_token_id ??= tokenizer.eos
    hfConfig.bos_token_id ??= tokenizer.bos
    hfConfig.pad_token_id ??= tokenizer.pad
  }
  await writeFile(join(dir, 'config.json'), JSON.stringify(hfConfig, null, 2))
  if (tokenizer?.json) await writeFile(join(dir, 'tokenizer.json'), tokenizer.json)
  if (ckpt.generation) await writeFile(join(dir, GENERATION_CONFIG), JSON.stringify(ckpt.generation, null, 2))
  const tc = tokenizer?.tokenizerConfig ?? (tokenizer?.chatTemplate !== undefined ? { chat_template: tokenizer.chatTemplate } : undefined)
  if (tc) await writeFile(join(dir, TOKENIZER_CONFIG), JSON.stringify(tc, null, 2))
}

function splitShards(tensors: Record<string, Tensor>, maxBytes: number): Record<string, Tensor>[] {
  const shards: Record<string, Tensor>[] = [{}]
  let size = 0
  for (const [name, t] of Object.entries(tensors)) {
    if (size > 0 && size + t.data.byteLength > maxBytes) {
      shards.push({})
      size = 0
    }
    shards[shards.length - 1][name] = t
    size += t.data.byteLength
  }
  return shards
}

/**
 * Random init as transformers does for Llama/Qwen2: weights ~ N(0, std), norms = 1, biases = 0, and the
 * embedding row of pad_token_id (when set) zero (nn.Embedding's padding_idx).
 */
export function initParams(config: ModelConfig, seed: number, std = 0.02): Map<string, Float32Array> {
  const rng = createRng(seed)
  const params = new Map<string, Float32Array>()
  for (const s of paramSpecs(config)) {
    const data = new Float32Array(numel(s.shape))
    if (s.name.endsWith('norm.weight')) data.fill(1)
    else if (!s.name.endsWith('.bias')) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std
    params.set(s.name, data)
  }
  const pad = config.pad_token_id
  if (pad !== undefined && pad >= 0 && pad < config.vocab_size) {
    const D = config.hidden_size
    params.get('model.embed_tokens.weight')!.fill(0, pad * D, (pad + 1) * D)
  }
  return params
}
