/**
 * The decoder forward pass, one code path for training and inference:
 *   (a) training / scoring: ids [B,T] at positions 0 … T−1, causal mask built as a constant;
 *   (b) prefill / decode step (inference graphs, `columns` layout): `past` caches [B,KV,P,Dh] per layer, `positions` int64 [B,T] and an HF-style
 *       `attentionMask` [B,P+T] (1 = real token) fed at run time; `present` returns this call's keys/values (the caller's cache
 *       stores them: the graph never copies the past).
 *
 * Dimension legend: B batch, T new tokens, P past tokens, S = P+T, D hidden, V vocab, L layers (layers.ts has
 * the rest). Returns the final-normed hidden states; the LM head is applied by the caller (lmHead, or
 * tokenLogprobs which only projects the positions it scores).
 */
import type { ModelConfig } from '../config.js'
import { ops, type Graph, type Value } from '../graph/index.js'
import { attention, linear, mlp, rmsNorm, rmsNormColumns, rotary, type KV, type LayerParams, type LoraGraph } from './layers.js'
import { param, type Params } from './params.js'

export interface ForwardOptions {
  /** int64 [B,T] position ids (inference); default: static positions P … P+T−1 */
  positions?: Value
  /** per layer cached keys/values [B,KV,P,Dh] (inference) */
  past?: readonly KV[]
  /** int64 or bool [B,P+T], HF attention_mask: 0 marks padding keys nobody may attend */
  attentionMask?: Value
  /** LoRA scale / dropout, for params that hold adapters (learner/lora) */
  lora?: LoraGraph
  /**
   * inference graphs with weights as inputs: the hidden states are kept as columns [D, B·T] between layers, every
   * projection is W·x with the weight as left operand (layers.ts linear), and `hidden` is returned as columns
   */
  columns?: boolean
}

export interface ForwardResult {
  /** final-normed hidden states [B,T,D] (`columns`: [D, B·T], column b·T + t) */
  hidden: Value
  /** per layer keys/values of the T new positions [B,KV,T,Dh] (what a KV cache stores for them) */
  present: KV[]
}

/** bool [T,S]: query t (absolute position P+t) may attend key s ≤ P+t. */
function causalMask(g: Graph, P: number, T: number): Value {
  const S = P + T
  const m = new Uint8Array(T * S)
  for (let t = 0; t < T; t++) for (let s = 0; s <= P + t; s++) m[t * S + s] = 1
  return g.constant(m, [T, S], 'bool', `causal_mask.${P}x${T}`)
}

/** Decoder over token ids [B,T] (int64). */
export function buildForward(cfg: ModelConfig, params: Params, ids: Value, opts: ForwardOptions = {}): ForwardResult {
  const g = ids.graph
  const [B, T] = ids.shape
  if (ids.shape.length !== 2 || (ids.dtype !== 'int64' && ids.dtype !== 'int32')) throw new Error(`forward: input_ids must be int [B,T], got ${ids.dtype} [${ids.shape}]`)
  const L = cfg.num_hidden_layers
  if (opts.past && opts.past.length !== L) throw new Error(`forward: ${opts.past.length} past caches for ${L} layers`)
  const P = opts.past?.[0].key.shape[2] ?? 0
  const S = P + T
  if (cfg.sliding_window !== undefined && S > cfg.sliding_window)
    throw new Error(`forward: ${S} key positions exceed sliding_window ${cfg.sliding_window}; sliding-window attention is not implemented (refused rather than computed wrong)`)
  const rope = rotary(g, cfg, T, opts.positions ?? P, S) // fed positions index key slots: < S
  let allowed = causalMask(g, P, T) //                                                    [T,S]
  if (opts.attentionMask) {
    const am = opts.attentionMask
    if (am.shape.join() !== [B, S].join()) throw new Error(`forward: attention_mask [${am.shape}] should be [${B},${S}]`)
    const keys = am.dtype === 'bool' ? am : ops.cast(am, 'bool')
    allowed = ops.and(allowed, ops.reshape(keys, [B, 1, 1, 1, S])) //                   [B,1,1,T,S]
  }
  const D = cfg.hidden_size
  const cols = opts.columns ? ([B, T] as const) : undefined
  const norm = (x: Value, w: string) => (cols ? rmsNormColumns : rmsNorm)(x, param(params, w), cfg.rms_norm_eps)
  let h = ops.gather(param(params, 'model.embed_tokens.weight'), ids) //                 [B,T,D]
  if (cols) h = ops.transpose(ops.reshape(h, [B * T, D]), [1, 0]) //                     [D,B·T]
  const present: KV[] = []
  for (let l = 0; l < L; l++) {
    const pre = `model.layers.${l}.`
    const p: LayerParams = (n) => params.get(pre + n)
    const a = attention(cfg, p, norm(h, pre + 'input_layernorm.weight'), {
      rotary: rope,
      allowed,
      past: opts.past?.[l],
      lora: opts.lora,
      columns: cols,
    })
    present.push(a.present)
    h = ops.add(h, a.out) //                                                               [B,T,D] or [D,B·T]
    h = ops.add(h, mlp(p, norm(h, pre + 'post_attention_layernorm.weight'), opts.lora, !!cols))
  }
  return { hidden: norm(h, 'model.norm.weight'), present }
}

/** The LM head matrix [V,D]: lm_head.weight, or embed_tokens when tied. */
export function headWeight(cfg: ModelConfig, params: Params): Value {
  return param(params, cfg.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight')
}

/** logits = hidden · Wᵀ.   hidden [..., D] → [..., V]; `columns`: hidden [D,N] → logits [N,V] (W·hidden, transposed) */
export function lmHead(cfg: ModelConfig, params: Params, hidden: Value, columns = false): Value {
  const z = linear(hidden, headWeight(cfg, params), undefined, columns)
  return columns ? ops.transpose(z, [1, 0]) : z
}
