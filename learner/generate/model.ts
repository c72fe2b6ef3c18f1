/**
 * InferenceModel: what OnnxGenerator runs — the prefill and decode graphs for one bucket (they depend on the
 * config and the bucket only: weights are graph inputs), the weights fed to them, plus the config and tokenizer.
 * Built in memory from a checkpoint (`inferenceModel`), or written to / read from a published model folder:
 *   <dir>/onnx/prefill/model.onnx   ModelProto without weights (they are inputs named as model.safetensors' tensors,
 *                                   q/k/v and gate/up fused: learner/model/fused.ts)
 *   <dir>/onnx/decode/model.onnx
 *   <dir>/onnx/generation.json      { bucket, io names, log-prob convention }
 * next to config.json, model.safetensors and tokenizer.json (learner/io's saveCheckpoint). The weights are in the
 * folder once (model.safetensors), not once per graph.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { resolveConfig, type ModelConfig } from '../config.js'
import { encodeModel } from '../graph/index.js'
import {
  GENERATION_CONFIG, loadCheckpoint, paramsFromTensors, promptBosOf, readGenerationConfig, readSafetensors, TOKENIZER_CONFIG, tokenizerOf, WEIGHTS_FILE,
  type Checkpoint, type GenerationDefaults,
} from '../io/index.js'
import type { Tokenizer } from '../tokenizer/index.js'
import { buildDecodeGraph, buildPrefillGraph, checkBucket, IO, type InferenceBucket } from './graphs.js'

export interface InferenceModel {
  config: ModelConfig
  tokenizer?: Tokenizer
  /** generation_config.json defaults (its eos ids stop generation) */
  generation?: GenerationDefaults
  /** config.json `cohort_prompt_bos`: the learner prepends BOS to raw text prompts, so OnnxGenerator does too */
  promptBos?: boolean
  bucket: InferenceBucket
  /** the weights fed to both graphs (paramSpecs names; fused by inferenceWeights, a view where q/k/v or gate/up lie
   * back to back, else a copy); the generator reads them in place: keep them unchanged */
  weights: ReadonlyMap<string, Float32Array>
  /** ONNX bytes, or a thunk building them on first use */
  prefill: Uint8Array | (() => Uint8Array)
  decode: Uint8Array | (() => Uint8Array)
  /** what the graphs are (same key = same graphs): generators sharing a Runtime share sessions by it */
  graphKey: string
}

// paths inside a model folder, '/'-separated as in a version's manifest (also where no node:path exists: the browser)
export const ONNX_DIR = 'onnx'
export const PREFILL_FILE = `${ONNX_DIR}/prefill/model.onnx`
export const DECODE_FILE = `${ONNX_DIR}/decode/model.onnx`
export const GENERATION_FILE = `${ONNX_DIR}/generation.json`
const FORMAT = 'cohort-inference/4'

/** FNV-1a (32-bit) over bytes, as 8 hex digits: identifies graphs, not a security hash. */
function fnv(...parts: Uint8Array[]): string {
  let h = 0x811c9dc5
  for (const p of parts) for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p[i], 0x01000193)
  return (h >>> 0).toString(16).padStart(8, '0')
}
const utf8 = (s: string) => new TextEncoder().encode(s)

/** Graphs built lazily for a config and bucket, fed the checkpoint's weights. */
export function inferenceModel(ckpt: Checkpoint, bucket: InferenceBucket): InferenceModel {
  checkBucket(ckpt.config, bucket)
  return {
    config: ckpt.config,
    tokenizer: ckpt.tokenizer,
    generation: ckpt.generation,
    ...(ckpt.promptBos ? { promptBos: true } : {}),
    bucket,
    weights: ckpt.params,
    prefill: () => encodeModel(buildPrefillGraph(ckpt.config, bucket)),
    decode: () => encodeModel(buildDecodeGraph(ckpt.config, bucket)),
    graphKey: `built:${fnv(utf8(JSON.stringify([ckpt.config, bucket])))}`,
  }
}

/** Write the inference graphs of `ckpt` into model folder `dir` (the checkpoint files are saveCheckpoint's job). */
export async function exportInferenceModel(dir: string, ckpt: Checkpoint, bucket: InferenceBucket): Promise<string[]> {
  checkBucket(ckpt.config, bucket)
  const files = [PREFILL_FILE, DECODE_FILE, GENERATION_FILE]
  for (const f of files) await mkdir(join(dir, f, '..'), { recursive: true })
  await writeFile(join(dir, PREFILL_FILE), encodeModel(buildPrefillGraph(ckpt.config, bucket)))
  await writeFile(join(dir, DECODE_FILE), encodeModel(buildDecodeGraph(ckpt.config, bucket)))
  const meta = {
    format: FORMAT,
    bucket,
    weights: `${WEIGHTS_FILE}: every tensor is a graph input of the same name (float32, same shape), except per layer q/k/v and gate/up, fed fused: ` +
      'self_attn.qkv_proj.weight = rows [q_proj; k_proj; v_proj] (qkv_proj.bias likewise), mlp.gate_up_proj.weight = rows [gate_proj; up_proj]',
    prefill: {
      file: PREFILL_FILE,
      inputs: [IO.inputIds, IO.attentionMask, IO.positionIds, IO.temperature, '<weights>'],
      outputs: [IO.probs, IO.logits, 'present.N.key', 'present.N.value'],
    },
    decode: {
      file: DECODE_FILE,
      inputs: [IO.inputIds, IO.attentionMask, IO.positionIds, 'past_key_values.N.key', 'past_key_values.N.value', IO.temperature, '<weights>'],
      outputs: [IO.probs, IO.logits, 'present.N.key', 'present.N.value'],
      present: "the current token's key/value [B,KV,1,Dh]: write it into the cache at the token's slot",
    },
    temperature: 'scalar float: the sampling temperature (1 for greedy)',
    probs: 'softmax(logits / temperature) at the last position, full vocabulary; log-prob = log(probs[token]) before top-k/top-p',
    logits: 'raw (temperature 1), last position only',
  }
  await writeFile(join(dir, GENERATION_FILE), JSON.stringify(meta, null, 2))
  return files
}

/** The files of a model folder that generation needs (a single-file model.safetensors: the browser reads it whole). */
export const INFERENCE_FILES = {
  required: ['config.json', GENERATION_FILE, PREFILL_FILE, DECODE_FILE, WEIGHTS_FILE],
  optional: ['tokenizer.json', TOKENIZER_CONFIG, GENERATION_CONFIG],
} as const

function readMeta(text: string, where: string): InferenceBucket {
  const meta = JSON.parse(text) as { format?: string; bucket?: InferenceBucket }
  if (meta.format !== FORMAT || !meta.bucket) throw new Error(`${where}: not a ${FORMAT} description`)
  return meta.bucket
}

/**
 * An InferenceModel from the contents of a model folder's INFERENCE_FILES (no file system: the browser worker
 * downloads them through the edge). `files` maps each path to its bytes; optional ones may be absent.
 */
export function inferenceModelFromFiles(files: ReadonlyMap<string, Uint8Array>): InferenceModel {
  const text = (p: string) => new TextDecoder().decode(files.get(p))
  const json = (p: string) => JSON.parse(text(p)) as Record<string, unknown>
  for (const p of INFERENCE_FILES.required) if (!files.has(p)) throw new Error(`model folder lacks ${p}`)
  const bucket = readMeta(text(GENERATION_FILE), GENERATION_FILE)
  const raw = json('config.json')
  const config = resolveConfig(raw)
  checkBucket(config, bucket)
  const tokenizer = tokenizerOf(raw, config, {
    tokenizerJson: files.has('tokenizer.json') ? text('tokenizer.json') : undefined,
    tokenizerConfig: files.has(TOKENIZER_CONFIG) ? json(TOKENIZER_CONFIG) : undefined,
  })
  const generation = files.has(GENERATION_CONFIG) ? readGenerationConfig(json(GENERATION_CONFIG)) : undefined
  const weights = paramsFromTensors(config, readSafetensors(files.get(WEIGHTS_FILE)!), WEIGHTS_FILE)
  const prefill = files.get(PREFILL_FILE)!
  const decode = files.get(DECODE_FILE)!
  const promptBos = promptBosOf(raw)
  return { config, tokenizer, generation, ...(promptBos ? { promptBos } : {}), bucket, weights, prefill, decode, graphKey: `file:${fnv(prefill, decode)}` }
}

/** Read a model folder's inference graphs and weights (config + tokenizer through learner/io). */
export async function loadInferenceModel(dir: string): Promise<InferenceModel> {
  const bucket = readMeta(await readFile(join(dir, GENERATION_FILE), 'utf8'), join(dir, GENERATION_FILE))
  const { config, tokenizer, generation, params, promptBos } = await loadCheckpoint(dir)
  checkBucket(config, bucket)
  const [prefill, decode] = (await Promise.all([readFile(join(dir, PREFILL_FILE)), readFile(join(dir, DECODE_FILE))])).map((b) => new Uint8Array(b))
  return { config, tokenizer, generation, ...(promptBos ? { promptBos } : {}), bucket, weights: params, prefill, decode, graphKey: `file:${fnv(prefill, decode)}` }
}
