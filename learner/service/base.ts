/**
 * The model a fresh learner starts from (published as version 0): a local Hugging Face folder (config.json +
 * model.safetensors + tokenizer.json), or a built-in tiny Llama over the byte tokenizer with seeded random
 * weights (tests, the demo).
 */
import { resolveConfig, type ModelConfig } from '../config.js'
import { initParams, loadCheckpoint, type Checkpoint } from '../io/index.js'
import { byteTokenizer, BYTE_VOCAB_SIZE } from '../tokenizer/index.js'

/** A tiny byte-level model: ~60k parameters at the defaults; `cohort learn` runs it with no flags. */
export const TINY_CONFIG: Partial<ModelConfig> = {
  model_type: 'llama',
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 64,
  vocab_size: BYTE_VOCAB_SIZE,
  max_position_embeddings: 256, // room for the default inference bucket (cache 128 + 1)
  tie_word_embeddings: true,
}

export function tinyModel(seed = 0, overrides: Partial<ModelConfig> = {}): Checkpoint {
  const tok = byteTokenizer()
  const config = resolveConfig({ ...TINY_CONFIG, ...overrides, eos_token_id: tok.eos, pad_token_id: tok.pad, bos_token_id: tok.bos })
  return { config, params: initParams(config, seed), tokenizer: tok }
}

/** The base model: `modelDir` when given, else tinyModel(seed). */
export async function baseModel(o: { modelDir?: string; seed?: number } = {}): Promise<Checkpoint> {
  if (!o.modelDir) return tinyModel(o.seed)
  const ck = await loadCheckpoint(o.modelDir)
  if (!ck.tokenizer) throw new Error(`${o.modelDir}: no tokenizer.json (the learner tokenizes prompts)`)
  return ck
}
