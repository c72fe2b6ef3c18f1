/**
 * Model configuration and parameter layout: the contract between the model graphs (learner/model), the weight
 * files (learner/io, safetensors with Hugging Face names) and the PyTorch reference (test/fixtures/golden).
 *
 * Field names follow Hugging Face `config.json` for the Llama / Qwen2 / Qwen3 / Mistral / SmolLM family, so a
 * user's local checkpoint folder can be read as is. Semantics (identical to transformers' LlamaForCausalLM):
 *   h   = embed_tokens[ids]                                                  [B,T,D]
 *   per layer: h += o_proj(attn(rope(q_proj(rms(h))), rope(k_proj(rms(h))), v_proj(rms(h))))
 *              h += down_proj(silu(gate_proj(rms(h))) * up_proj(rms(h)))
 *   logits = lm_head(norm(h))   (lm_head = embed_tokens when tie_word_embeddings)
 *   rms(x) = weight * x / sqrt(mean(x², last axis) + rms_norm_eps)
 *   rope: HF "rotate_half" layout (first half / second half of each head, not interleaved),
 *         inv_freq[i] = rope_theta^(−2i/head_dim) (scaled per rope_scaling: learner/rope.ts), angle = position · inv_freq
 *   qwen3: q = rms(q_proj(x)) and k = rms(k_proj(x)) per head (weights q_norm / k_norm [head_dim]) before rope
 *   attention: causal, grouped-query (kv head j serves query heads j·(H/KV) … ), scale 1/sqrt(head_dim)
 *   Linear weights are stored [out_features, in_features] (y = x·Wᵀ + b), as in PyTorch.
 */
import { readRope, type Rope, type RopeScaling } from './rope.js'

export interface ModelConfig {
  /** "llama" | "qwen2" (q/k/v biases) | "qwen3" (per-head q/k RMSNorm) | "mistral" (see MODEL_TYPES) */
  model_type: ModelType
  /** D: width of the residual stream. */
  hidden_size: number
  /** L: number of decoder layers. */
  num_hidden_layers: number
  /** H: query heads. */
  num_attention_heads: number
  /** KV: key/value heads (GQA); H % KV === 0. */
  num_key_value_heads: number
  /** F: SwiGLU inner width. */
  intermediate_size: number
  /** V: vocabulary size. */
  vocab_size: number
  /** base of the rotary frequencies (from rope_theta or rope_parameters.rope_theta). */
  rope_theta: number
  /** RoPE scaling (linear / llama3; learner/rope.ts); absent = default RoPE. */
  rope_scaling?: RopeScaling
  /** epsilon inside RMSNorm's sqrt (also Qwen3's q_norm / k_norm). */
  rms_norm_eps: number
  /** lm_head shares embed_tokens' matrix. */
  tie_word_embeddings: boolean
  /** longest sequence the rotary tables and buckets are built for. */
  max_position_embeddings: number
  /** q/k/v (and o, except qwen2) projections carry biases: attention_bias; always q/k/v for qwen2. */
  attention_bias: boolean
  /** Dh: per-head width; defaults to hidden_size / num_attention_heads (Qwen3 sets it explicitly). */
  head_dim: number
  /** mistral: keys further back than this are masked; graphs longer than the window are refused (not implemented). */
  sliding_window?: number
  bos_token_id?: number
  eos_token_id?: number | number[]
  pad_token_id?: number
}

/** Decoder families whose semantics learner/model implements. */
export const MODEL_TYPES = ['llama', 'qwen2', 'qwen3', 'mistral'] as const
export type ModelType = (typeof MODEL_TYPES)[number]

/** Qwen3: RMSNorm over each head's queries and keys (q_norm / k_norm, weight [Dh]) before RoPE. */
export const hasQkNorm = (c: ModelConfig) => c.model_type === 'qwen3'

/**
 * config.json keys Cohort reads (README "Hugging Face models" lists them with their handling). Anything not in
 * READ_KEYS or INFO_KEYS (and not starting with "_") is refused by name: an option nobody implemented is never
 * silently ignored.
 */
export const READ_KEYS = [
  'model_type', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'intermediate_size',
  'vocab_size', 'rope_theta', 'rope_parameters', 'rope_scaling', 'rms_norm_eps', 'tie_word_embeddings',
  'max_position_embeddings', 'attention_bias', 'head_dim', 'bos_token_id', 'eos_token_id', 'pad_token_id',
  // accepted only with the value that changes nothing (anything else is refused by name)
  'hidden_act', 'mlp_bias', 'attention_dropout', 'partial_rotary_factor', 'rope_interleaved', 'use_sliding_window',
  'sliding_window', 'max_window_layers', 'layer_types', 'pretraining_tp', 'cohort_tokenizer', 'use_mrope',
  'cohort_prompt_bos',
] as const
/** Informational keys that do not change the model's function. */
export const INFO_KEYS = [
  'architectures', 'transformers_version', 'torch_dtype', 'dtype', 'use_cache', 'initializer_range', 'is_llama_config',
  'tokenizer_class', 'output_attentions', 'output_hidden_states', 'return_dict', 'unsloth_version', 'unsloth_fixed', 'transformers.js_config',
] as const

const KNOWN = new Set<string>([...READ_KEYS, ...INFO_KEYS])

/**
 * What transformers uses for a key ABSENT from config.json: its config class's default, which differs by class.
 * Read from huggingface/transformers src/transformers/models/<type>/configuration_<type>.py — the transformers-4
 * `__init__` signatures (4.45 … 4.57) and the transformers-5 classes (RotaryEmbeddingConfigMixin / dataclass
 * fields, where a missing rope_theta becomes `default_theta` = 10000.0 and none of these four classes overrides
 * it). The two majors agree on every value below, so transformers_version does not select a row; a file written by
 * another major (transformers_version 6.x, …) that leaves one of these keys out is refused (defaultedKeys).
 * 'heads' = num_attention_heads, 'hidden/heads' = hidden_size / num_attention_heads.
 * Read for this table: transformers commit 008e574 (Llama/Qwen2/Qwen3Config as 5.x dataclass fields), 001f85b
 * (MistralConfig's 5.x __init__) and the 5.x dataclass MistralConfig; the 4.x signatures (Qwen3Config's as
 * documented for 4.51+: num_key_value_heads=32, head_dim=128, rope_theta=10000.0) carry the same values.
 */
interface ClassDefaults {
  num_key_value_heads: number | 'heads'
  head_dim: number | 'hidden/heads'
  max_position_embeddings: number
  rms_norm_eps: number
  rope_theta: number
  tie_word_embeddings: boolean
  /** q/k/v biases (qwen2: always, whatever the file says; mistral: never, a true value is refused) */
  attention_bias: boolean
  /** mistral: the window when the key is absent (null in the file = no window) */
  sliding_window?: number
}
export const CLASS_DEFAULTS: Record<ModelType, ClassDefaults> = {
  // LlamaConfig: num_key_value_heads=None → heads, head_dim=None → hidden // heads, max_position_embeddings=2048,
  // rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False, attention_bias=False
  llama: { num_key_value_heads: 'heads', head_dim: 'hidden/heads', max_position_embeddings: 2048, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false, attention_bias: false },
  // Qwen2Config: num_key_value_heads=32 (None → heads), no head_dim field (attention uses hidden // heads),
  // max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False;
  // Qwen2Attention: q/k/v bias=True, o_proj bias=False
  qwen2: { num_key_value_heads: 32, head_dim: 'hidden/heads', max_position_embeddings: 32768, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false, attention_bias: true },
  // Qwen3Config: num_key_value_heads=32 (None → heads), head_dim=128 (NOT hidden // heads),
  // max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False, attention_bias=False
  qwen3: { num_key_value_heads: 32, head_dim: 128, max_position_embeddings: 32768, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false, attention_bias: false },
  // MistralConfig: num_key_value_heads=8 (None → heads), head_dim=None → hidden // heads, max_position_embeddings=4096*32,
  // rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False, sliding_window=4096; MistralAttention: no biases
  mistral: { num_key_value_heads: 8, head_dim: 'hidden/heads', max_position_embeddings: 131072, rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false, attention_bias: false, sliding_window: 4096 },
}

/** Keys CLASS_DEFAULTS would fill for this file (absent from it; rope_theta counts as present inside rope_parameters). */
function defaultedKeys(modelType: string, raw: Record<string, unknown>): string[] {
  const keys = ['num_key_value_heads', 'head_dim', 'max_position_embeddings', 'rms_norm_eps', 'tie_word_embeddings', ...(modelType === 'mistral' ? ['sliding_window'] : [])]
  const out = keys.filter((k) => raw[k] === undefined)
  const params = raw.rope_parameters as Record<string, unknown> | null | undefined
  if (raw.rope_theta === undefined && params?.rope_theta === undefined) out.push('rope_theta')
  return out
}

/** Fill defaults and check a parsed config.json; throws naming every option whose semantics are not implemented. */
export function resolveConfig(raw: Record<string, unknown>): ModelConfig {
  const bad: string[] = []
  const modelType = String(raw.model_type ?? 'llama')
  if (!(MODEL_TYPES as readonly string[]).includes(modelType)) bad.push(`model_type=${modelType} (implemented: ${MODEL_TYPES.join(', ')})`)
  for (const k of Object.keys(raw)) if (!KNOWN.has(k) && !k.startsWith('_')) bad.push(k)
  const only = (k: string, ok: (v: unknown) => boolean) => {
    if (raw[k] !== undefined && raw[k] !== null && !ok(raw[k])) bad.push(`${k}=${JSON.stringify(raw[k])}`)
  }
  only('hidden_act', (v) => v === 'silu')
  only('mlp_bias', (v) => v === false)
  only('attention_dropout', (v) => v === 0)
  only('partial_rotary_factor', (v) => v === 1)
  only('rope_interleaved', (v) => v === false)
  only('use_sliding_window', (v) => v === false)
  // Qwen2-VL's multimodal RoPE switch; DeepSeek-R1-Distill-Qwen and Qwen2.5-Math carry it false, which Qwen2Config ignores
  only('use_mrope', (v) => v === false)
  only('layer_types', (v) => Array.isArray(v) && v.every((t) => t === 'full_attention'))
  if (modelType === 'mistral') only('attention_bias', (v) => v === false)
  const defaults = CLASS_DEFAULTS[modelType as ModelType] ?? CLASS_DEFAULTS.llama
  const major = typeof raw.transformers_version === 'string' ? Number.parseInt(raw.transformers_version, 10) : undefined
  if (major !== undefined && major !== 4 && major !== 5) {
    const absent = defaultedKeys(modelType, raw)
    if (absent.length)
      bad.push(`transformers_version=${JSON.stringify(raw.transformers_version)} with ${absent.join(', ')} absent (class defaults checked for transformers 4 and 5 only; write them out)`)
  }
  // qwen2/qwen3 carry sliding_window / max_window_layers even when use_sliding_window is false (they then do nothing);
  // mistral: absent = the class default window (4096), null = none
  const window =
    modelType !== 'mistral' ? undefined : raw.sliding_window === undefined ? defaults.sliding_window : typeof raw.sliding_window === 'number' ? raw.sliding_window : undefined
  if (modelType === 'mistral') only('sliding_window', (v) => typeof v === 'number' && v > 0)
  // null where the class has no meaning for it (transformers would fail or compute with None): refused, not defaulted
  for (const k of ['max_position_embeddings', 'rms_norm_eps', 'tie_word_embeddings'])
    if (raw[k] === null) bad.push(`${k}=null`)
  if (raw.head_dim === null && defaults.head_dim !== 'hidden/heads') bad.push(`head_dim=null (${modelType} has no rule for it)`)
  if (modelType === 'llama') only('sliding_window', () => false)
  let rope: Rope = { rope_theta: defaults.rope_theta }
  try {
    rope = readRope(raw, defaults.rope_theta)
  } catch (e) {
    bad.push((e as Error).message.replace('config.json: unsupported ', ''))
  }
  if (bad.length) throw new Error(`config.json: unsupported options: ${bad.join(', ')}`)

  const need = (k: string) => {
    if (typeof raw[k] !== 'number') throw new Error(`config.json: missing ${k}`)
    return raw[k] as number
  }
  const opt = <T>(k: string, d: T): T => (raw[k] ?? d) as T
  const hidden = need('hidden_size')
  const heads = need('num_attention_heads')
  // absent → the class default; null → heads (every class: "if num_key_value_heads is None: … = num_attention_heads")
  const kv = raw.num_key_value_heads === undefined ? (defaults.num_key_value_heads === 'heads' ? heads : defaults.num_key_value_heads) : opt('num_key_value_heads', heads)
  const headDim = defaults.head_dim === 'hidden/heads' ? hidden / heads : defaults.head_dim
  const cfg: ModelConfig = {
    model_type: modelType as ModelType,
    hidden_size: hidden,
    num_hidden_layers: need('num_hidden_layers'),
    num_attention_heads: heads,
    num_key_value_heads: kv,
    intermediate_size: need('intermediate_size'),
    vocab_size: need('vocab_size'),
    rope_theta: rope.rope_theta,
    rope_scaling: rope.rope_scaling,
    rms_norm_eps: opt('rms_norm_eps', defaults.rms_norm_eps),
    tie_word_embeddings: opt('tie_word_embeddings', defaults.tie_word_embeddings),
    max_position_embeddings: opt('max_position_embeddings', defaults.max_position_embeddings),
    attention_bias: modelType === 'qwen2' ? true : opt('attention_bias', defaults.attention_bias),
    head_dim: opt('head_dim', headDim),
    sliding_window: window,
    bos_token_id: raw.bos_token_id as number | undefined,
    eos_token_id: raw.eos_token_id as number | number[] | undefined,
    pad_token_id: raw.pad_token_id as number | undefined,
  }
  if (!Number.isInteger(cfg.head_dim)) throw new Error('config.json: hidden_size not divisible by heads')
  if (raw.num_key_value_heads === undefined && cfg.num_attention_heads % cfg.num_key_value_heads !== 0)
    throw new Error(`config.json: num_key_value_heads absent: ${modelType}'s default ${cfg.num_key_value_heads} does not divide ${heads} query heads (transformers uses the class default; set it explicitly)`)
  if (cfg.num_attention_heads % cfg.num_key_value_heads !== 0)
    throw new Error('config.json: num_attention_heads must be a multiple of num_key_value_heads')
  if (cfg.head_dim % 2 !== 0) throw new Error('config.json: head_dim must be even for rotary embeddings')
  return cfg
}

/** config.json as transformers writes it (transformers-4 layout: rope_theta + rope_scaling, read by 4 and 5 alike). */
export function hfConfigJson(c: ModelConfig): Record<string, unknown> {
  return {
    architectures: [ARCHITECTURES[c.model_type]],
    ...c,
    // mistral without a window: null, since an absent key means transformers' 4096
    ...(c.model_type === 'mistral' ? { sliding_window: c.sliding_window ?? null } : {}),
    hidden_act: 'silu',
    torch_dtype: 'float32',
  }
}

const ARCHITECTURES: Record<ModelType, string> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
  mistral: 'MistralForCausalLM',
}

export interface ParamSpec {
  /** Hugging Face tensor name, e.g. model.layers.0.self_attn.q_proj.weight */
  name: string
  shape: number[]
  /** AdamW weight decay applies (matrices yes; norms and biases no). */
  decay: boolean
}

/** Every trainable tensor in a fixed order (the order of graph inputs and optimizer state). */
export function paramSpecs(c: ModelConfig): ParamSpec[] {
  const D = c.hidden_size
  const Dh = c.head_dim
  const H = c.num_attention_heads
  const KV = c.num_key_value_heads
  const F = c.intermediate_size
  const V = c.vocab_size
  const qkvBias = c.attention_bias
  const oBias = c.attention_bias && c.model_type !== 'qwen2'
  const out: ParamSpec[] = [{ name: 'model.embed_tokens.weight', shape: [V, D], decay: true }]
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}`
    out.push({ name: `${p}.input_layernorm.weight`, shape: [D], decay: false })
    out.push({ name: `${p}.self_attn.q_proj.weight`, shape: [H * Dh, D], decay: true })
    if (qkvBias) out.push({ name: `${p}.self_attn.q_proj.bias`, shape: [H * Dh], decay: false })
    out.push({ name: `${p}.self_attn.k_proj.weight`, shape: [KV * Dh, D], decay: true })
    if (qkvBias) out.push({ name: `${p}.self_attn.k_proj.bias`, shape: [KV * Dh], decay: false })
    out.push({ name: `${p}.self_attn.v_proj.weight`, shape: [KV * Dh, D], decay: true })
    if (qkvBias) out.push({ name: `${p}.self_attn.v_proj.bias`, shape: [KV * Dh], decay: false })
    out.push({ name: `${p}.self_attn.o_proj.weight`, shape: [D, H * Dh], decay: true })
    if (oBias) out.push({ name: `${p}.self_attn.o_proj.bias`, shape: [D], decay: false })
    if (hasQkNorm(c)) {
      out.push({ name: `${p}.self_attn.q_norm.weight`, shape: [Dh], decay: false })
      out.push({ name: `${p}.self_attn.k_norm.weight`, shape: [Dh], decay: false })
    }
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [D], decay: false })
    out.push({ name: `${p}.mlp.gate_proj.weight`, shape: [F, D], decay: true })
    out.push({ name: `${p}.mlp.up_proj.weight`, shape: [F, D], decay: true })
    out.push({ name: `${p}.mlp.down_proj.weight`, shape: [D, F], decay: true })
  }
  out.push({ name: 'model.norm.weight', shape: [D], decay: false })
  if (!c.tie_word_embeddings) out.push({ name: 'lm_head.weight', shape: [V, D], decay: true })
  return out
}

export function countParams(c: ModelConfig): number {
  return paramSpecs(c).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)
}
