/**
 * InferenceModel: what OnnxGenerator runs — the prefill and decode graphs of one set of weights for one bucket,
 * plus the config and tokenizer. Built in memory from a checkpoint (`inferenceModel`), or written to / read from
 * a published model folder:
 *   <dir>/onnx/prefill/model.onnx   self-contained ModelProto (weights as initializers)
 *   <dir>/onnx/decode/model.onnx
 *   <dir>/onnx/generation.json      { bucket, io names, log-prob convention }
 * next to config.json, model.safetensors and tokenizer.json (learner/io's saveCheckpoint).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { resolveConfig, type ModelConfig } from '../config.js'
import { encodeModel } from '../graph/index.js'
import { GENERATION_CONFIG, loadCheckpoint, readGenerationConfig, TOKENIZER_CONFIG, tokenizerOf, type Checkpoint, type GenerationDefaults } from '../io/index.js'
import type { Tokenizer } from '../tokenizer/index.js'
import { buildDecodeGraph, buildPrefillGraph, checkBucket, IO, type InferenceBucket } from './graphs.js'

export interface InferenceModel {
  config: ModelConfig
  tokenizer?: Tokenizer
  /** generation_config.json defaults (its eos ids stop generation) */
  generation?: GenerationDefaults
  bucket: InferenceBucket
  /** ONNX bytes, or a thunk building them on first use */
  prefill: Uint8Array | (() => Uint8Array)
  decode: Uint8Array | (() => Uint8Array)
}

// paths inside a model folder, '/'-separated as in a version's manifest (also where no node:path exists: the browser)
export const ONNX_DIR = 'onnx'
export const PREFILL_FILE = `${ONNX_DIR}/prefill/model.onnx`
export const DECODE_FILE = `${ONNX_DIR}/decode/model.onnx`
export const GENERATION_FILE = `${ONNX_DIR}/generation.json`

/** Graphs built lazily from in-memory weights. */
export function inferenceModel(ckpt: Checkpoint, bucket: InferenceBucket): InferenceModel {
  checkBucket(ckpt.config, bucket)
  return {
    config: ckpt.config,
    tokenizer: ckpt.tokenizer,
    generation: ckpt.generation,
    bucket,
    prefill: () => encodeModel(buildPrefillGraph(ckpt.config, ckpt.params, bucket)),
    decode: () => encodeModel(buildDecodeGraph(ckpt.config, ckpt.params, bucket)),
  }
}

/** Write the inference graphs of `ckpt` into model folder `dir` (the checkpoint files are saveCheckpoint's job). */
export async function exportInferenceModel(dir: string, ckpt: Checkpoint, bucket: InferenceBucket): Promise<string[]> {
  checkBucket(ckpt.config, bucket)
  const files = [PREFILL_FILE, DECODE_FILE, GENERATION_FILE]
  for (const f of files) await mkdir(join(dir, f, '..'), { recursive: true })
  // one graph at a time: a 100M model's ModelProto is ~400 MB
  await writeFile(join(dir, PREFILL_FILE), encodeModel(buildPrefillGraph(ckpt.config, ckpt.params, bucket)))
  await writeFile(join(dir, DECODE_FILE), encodeModel(buildDecodeGraph(ckpt.config, ckpt.params, bucket)))
  const meta = {
    format: 'cohort-inference/1',
    bucket,
    prefill: { file: PREFILL_FILE, inputs: [IO.inputIds, IO.attentionMask, IO.positionIds], outputs: [IO.logits, 'present.N.key', 'present.N.value'] },
    decode: {
      file: DECODE_FILE,
      inputs: [IO.inputIds, IO.attentionMask, IO.positionIds, IO.cachePosition, 'past_key_values.N.key', 'past_key_values.N.value'],
      outputs: [IO.logits, 'present.N.key', 'present.N.value'],
    },
    logits: 'raw, last position only; log-prob = log_softmax(logits / temperature)[token] before top-k/top-p',
  }
  await writeFile(join(dir, GENERATION_FILE), JSON.stringify(meta, null, 2))
  return files
}

/** The files of a model folder that generation needs (the weights stay out: they are in the graphs). */
export const INFERENCE_FILES = { required: ['config.json', GENERATION_FILE, PREFILL_FILE, DECODE_FILE], optional: ['tokenizer.json', TOKENIZER_CONFIG, GENERATION_CONFIG] } as const

/**
 * An InferenceModel from the contents of a model folder's INFERENCE_FILES (no file system: the browser worker
 * downloads them through the edge). `files` maps each path to its bytes; optional ones may be absent.
 */
export function inferenceModelFromFiles(files: ReadonlyMap<string, Uint8Array>): InferenceModel {
  const text = (p: string) => new TextDecoder().decode(files.get(p))
  const json = (p: string) => JSON.parse(text(p)) as Record<string, unknown>
  for (const p of INFERENCE_FILES.required) if (!files.has(p)) throw new Error(`model folder lacks ${p}`)
  const meta = json(GENERATION_FILE) as { format?: string; bucket?: InferenceBucket }
  if (meta.format !== 'cohort-inference/1' || !meta.bucket) throw new Error(`${GENERATION_FILE}: not a cohort-inference/1 description`)
  const raw = json('config.json')
  const config = resolveConfig(raw)
  checkBucket(config, meta.bucket)
  const tokenizer = tokenizerOf(raw, config, {
    tokenizerJson: files.has('tokenizer.json') ? text('tokenizer.json') : undefined,
    tokenizerConfig: files.has(TOKENIZER_CONFIG) ? json(TOKENIZER_CONFIG) : undefined,
  })
  const generation = files.has(GENERATION_CONFIG) ? readGenerationConfig(json(GENERATION_CONFIG)) : undefined
  return { config, tokenizer, generation, bucket: meta.bucket, prefill: files.get(PREFILL_FILE)!, decode: files.get(DECODE_FILE)! }
}

/** Read a model folder's inference graphs (and config + tokenizer through learner/io). */
export async function loadInferenceModel(dir: string): Promise<InferenceModel> {
  const meta = JSON.parse(await readFile(join(dir, GENERATION_FILE), 'utf8')) as { format?: string; bucket?: InferenceBucket }
  if (meta.format !== 'cohort-inference/1' || !meta.bucket) throw new Error(`${join(dir, GENERATION_FILE)}: not a cohort-inference/1 description`)
  const { config, tokenizer, generation } = await loadCheckpoint(dir)
  checkBucket(config, meta.bucket)
  const [prefill, decode] = await Promise.all([readFile(join(dir, PREFILL_FILE)), readFile(join(dir, DECODE_FILE))])
  return { config, tokenizer, generation, bucket: meta.bucket, prefill: new Uint8Array(prefill), decode: new Uint8Array(decode) }
}
