/**
 * Model configuration and parameter layout: the contract between the model graphs (learner/model), the weight
 * files (learner/io, safetensors with Hugging Face names) and the PyTorch reference (test/fixtures/golden).
 *
 * Field names follow Hugging Face `config.json` for the Llama / Qwen2 / SmolLM family, so a user's local
 * checkpoint folder can be read as is. Semantics (identical to transformers' LlamaForCausalLM):
 *   h   = embed_tokens[ids]                                                  [B,T,D]
 *   per layer: h += o_proj(attn(rope(q_proj(rms(h))), rope(k_proj(rms(h))), v_proj(rms(h))))
 *              h += down_proj(silu(gate_proj(rms(h))) * up_proj(rms(h)))
 *   logits = lm_head(norm(h))   (lm_head = embed_tokens when tie_word_embeddings)
 *   rms(x) = weight * x / sqrt(mean(x², last axis) + rms_norm_eps)
 *   rope: HF "rotate_half" layout (first half / second half of each head, not interleaved),
 *         inv_freq[i] = rope_theta^(−2i/head_dim), angle = position · inv_freq
 *   attention: causal, grouped-query (kv head j serves query heads j·(H/KV) … ), scale 1/sqrt(head_dim)
 *   Linear weights are stored [out_features, in_features] (y = x·Wᵀ + b), as in PyTorch.
 */

export interface ModelConfig {
  /** "llama" | "qwen2" | … (informational; qwen2 implies q/k/v biases). */
  model_type: string
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
  /** base of the rotary frequencies. */
  rope_theta: number
  /** epsilon inside RMSNorm's sqrt. */
  rms_norm_eps: number
  /** lm_head shares embed_tokens' matrix. */
  tie_word_embeddings: boolean
  /** longest sequence the rotary tables and buckets are built for. */
  max_position_embeddings: number
  /** q/k/v (and o for llama) projections carry biases: Llama's attention_bias; always true for qwen2 q/k/v. */
  attention_bias: boolean
  /** Dh: per-head width; defaults to hidden_size / num_attention_heads. */
  head_dim: number
  bos_token_id?: number
  eos_token_id?: number | number[]
  pad_token_id?: number
}

/** Fill defaults and check a parsed config.json. */
export function resolveConfig(raw: Partial<ModelConfig> & Record<string, unknown>): ModelConfig {
  const need = (k: keyof ModelConfig) => {
    if (raw[k] === undefined) throw new Error(`config.json: missing ${String(k)}`)
    return raw[k] as number
  }
  const hidden = need('hidden_size')
  const heads = need('num_attention_heads')
  const modelType = String(raw.model_type ?? 'llama')
  const cfg: ModelConfig = {
    model_type: modelType,
    hidden_size: hidden,
    num_hidden_layers: need('num_hidden_layers'),
    num_attention_heads: heads,
    num_key_value_heads: (raw.num_key_value_heads as number | undefined) ?? heads,
    intermediate_size: need('intermediate_size'),
    vocab_size: need('vocab_size'),
    rope_theta: (raw.rope_theta as number | undefined) ?? 10000,
    rms_norm_eps: (raw.rms_norm_eps as number | undefined) ?? 1e-6,
    tie_word_embeddings: (raw.tie_word_embeddings as boolean | undefined) ?? false,
    max_position_embeddings: (raw.max_position_embeddings as number | undefined) ?? 2048,
    attention_bias: modelType === 'qwen2' ? true : ((raw.attention_bias as boolean | undefined) ?? false),
    head_dim: (raw.head_dim as number | undefined) ?? hidden / heads,
    bos_token_id: raw.bos_token_id as number | undefined,
    eos_token_id: raw.eos_token_id as number | number[] | undefined,
    pad_token_id: raw.pad_token_id as number | undefined,
  }
  if (!Number.isInteger(cfg.head_dim)) throw new Error('config.json: hidden_size not divisible by heads')
  if (cfg.num_attention_heads % cfg.num_key_value_heads !== 0)
    throw new Error('config.json: num_attention_heads must be a multiple of num_key_value_heads')
  if (cfg.head_dim % 2 !== 0) throw new Error('config.json: head_dim must be even for rotary embeddings')
  return cfg
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
