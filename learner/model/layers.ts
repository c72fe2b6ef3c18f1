/**
 * Decoder building blocks (Llama / Qwen2 / Qwen3 / Mistral semantics, see learner/config.ts): RMSNorm, linear,
 * rotary tables (learner/rope.ts frequencies) and their application, grouped-query causal attention with
 * Qwen3's per-head q/k norm and an optional KV cache, SwiGLU MLP.
 *
 * Dimension legend
 *   B batch rows   T new tokens (this call)   P cached (past) tokens   S = P + T key positions
 *   D hidden_size  H query heads   KV key/value heads   G = H / KV query heads per kv head   Dh head_dim
 *   F intermediate_size
 * Queries are laid out [B,KV,G,T,Dh] and multiplied as [B,KV,G·T,Dh] against keys [B,KV,S,Dh], which implements
 * GQA (query head h = j·G + i uses kv head j, as transformers' repeat_interleave) without copying keys per head.
 */
import { hasQkNorm, type ModelConfig } from '../config.js'
import { invFreq } from '../rope.js'
import { ops, type Graph, type Value } from '../graph/index.js'

/** Lowest finite value of a float type: added to masked scores (not −∞, so a fully masked row gives no NaN). */
const LOWEST = { float32: -3.4028234663852886e38, float64: -Number.MAX_VALUE } as const

/**
 * rms(x) = w · x / sqrt(mean(x², last axis) + eps).   x [..., D], w [D] → [..., D]
 * Backward written by hand (ops.customGradient), with x̂ = x / s, s = sqrt(mean(x²) + eps), ĝ = g·w:
 *   dw = Σ_rows g·x̂        dx = (ĝ − x̂ · mean(ĝ·x̂)) / s
 * five passes over [..., D] where the generic rules of Mul / Div / Sqrt / ReduceMean take about ten.
 */
export function rmsNorm(x: Value, w: Value, eps: number): Value {
  const s = ops.sqrt(ops.add(ops.reduceMean(ops.mul(x, x), [-1], true), eps)) // [..., 1]
  const xhat = ops.div(x, s) //                                                      [..., D]
  const rows = [...x.shape.keys()].slice(0, -1)
  return ops.customGradient(ops.mul(xhat, w), [x, w], (g) => {
    const gh = ops.mul(g, w) //                                                      [..., D]
    const dot = ops.reduceMean(ops.mul(gh, xhat), [-1], true) //                     [..., 1]
    return [ops.div(ops.sub(gh, ops.mul(xhat, dot)), s), ops.reduceSum(ops.mul(g, xhat), rows)]
  })
}

/**
 * RMSNorm of columns, for inference graphs whose activations are laid out [D, M] (`columns` below): the
 * statistic runs over axis 0.   x [D,M], w [D] → [D,M]. Forward only (inference graphs have no backward).
 */
export function rmsNormColumns(x: Value, w: Value, eps: number): Value {
  const s = ops.sqrt(ops.add(ops.reduceMean(ops.mul(x, x), [0], true), eps)) //     [1,M]
  return ops.mul(ops.div(x, s), ops.reshape(w, [w.shape[0], 1])) //                 [D,M]
}

/**
 * y = x·Wᵀ (+ b), PyTorch layout.   x [..., in], w [out, in], b [out] → [..., out]
 * `columns`: x is transposed, xᵀ [in,M] (M rows), and so is the result: W·xᵀ (+ b) [out,M]. Inference graphs
 * (weights as inputs) keep their activations in that layout between layers: onnxruntime cannot pre-pack a
 * weight that is not an initializer, and as the right operand it would be packed again on every run (a full
 * extra pass over the weights per decode step); as the left operand it is read in place and only the small
 * activation [in,M] is packed, and no projection needs a transpose.
 */
export function linear(x: Value, w: Value, b?: Value, columns = false): Value {
  if (columns) {
    const y = ops.matMul(w, x) //                                                   [out,M]
    return b ? ops.add(y, ops.reshape(b, [b.shape[0], 1])) : y
  }
  const y = ops.matMul(x, ops.transposeLast2(w))
  return b ? ops.add(y, b) : y
}

/** LoRA in a graph (learner/lora): scale = alpha / r, and the dropout on the adapter input (0 = none). */
export interface LoraGraph {
  scale: number
  dropout: number
}

/** Inverted dropout: x · [u ≥ p] / (1 − p), u ~ U[0, 1) per element and run. */
function dropout(x: Value, p: number): Value {
  return ops.mul(x, ops.div(ops.cast(ops.greaterOrEqual(ops.randomUniformLike(x), p), 'float'), 1 - p))
}

/**
 * The projection `name` of a layer (weight [out,in], optional bias) on x [..., in] → [..., out], plus its LoRA
 * adapter when the layer's params hold one: + scale · dropout(x)·Aᵀ·Bᵀ (A [r,in], B [out,r]; inner [..., r]).
 * `columns`: x [in,M] → [out,M] (linear).
 */
export function project(p: LayerParams, name: string, x: Value, lora?: LoraGraph, columns = false): Value {
  const y = linear(x, required(p, `${name}.weight`), p(`${name}.bias`), columns)
  const A = p(`${name}.lora_A.weight`)
  if (!A) return y
  if (!lora) throw new Error(`model: ${name} has a LoRA adapter but the graph was built without LoRA options`)
  const xd = lora.dropout > 0 ? dropout(x, lora.dropout) : x
  return ops.add(y, ops.mul(linear(linear(xd, A, undefined, columns), required(p, `${name}.lora_B.weight`), undefined, columns), lora.scale))
}

/** A layer's parameters by their name inside the layer (e.g. `self_attn.q_proj.weight`); undefined = absent. */
export type LayerParams = (name: string) => Value | undefined

/** A parameter the layer cannot do without. */
function required(p: LayerParams, name: string): Value {
  const v = p(name)
  if (!v) throw new Error(`model: missing parameter ${name}`)
  return v
}

/** cos / sin tables for rotary embeddings, broadcastable to keys [B,KV,T,Dh]. */
export interface Rotary {
  /** [T,Dh] (static positions) or [B,1,T,Dh] (positions fed at run time) */
  cos: Value
  sin: Value
  /** [Dh,Dh] constant R with x·R = rotate_half(x) = concat(−x[Dh/2:], x[:Dh/2]) */
  rot: Value
  /** one new token per row (decode): the rotations as matrices, built once per graph by rowRotations */
  rows?: RowRotations
}

/**
 * Rotary of one token per row as one matrix product, x·Rot with Rot = diag(cos) + R·diag(sin) (x·Rot =
 * x·cos + rotate_half(x)·sin), per row b: [B,1,Dh,Dh] from fed positions' tables [B,1,1,Dh]. `q` also carries
 * the attention scale 1/√Dh. A decode step rotates q and k with one MatMul each instead of four ops.
 */
export interface RowRotations {
  q: Value
  k: Value
}

function rowRotations(r: Rotary, scale: number): RowRotations {
  const Dh = r.rot.shape[0]
  const eye = new Float64Array(Dh * Dh)
  for (let i = 0; i < Dh; i++) eye[i * Dh + i] = 1
  const k = ops.add(ops.mul(r.rot.graph.constant(eye, [Dh, Dh], 'float', 'rope.eye'), r.cos), ops.mul(r.rot, r.sin)) // [B,1,Dh,Dh]
  return { q: ops.mul(k, scale), k }
}

/** angle table [n, Dh] (rotate_half layout) for positions start … start+n−1, computed in float64. */
function angleTable(cfg: ModelConfig, start: number, n: number): { cos: Float64Array; sin: Float64Array } {
  const Dh = cfg.head_dim
  const half = Dh / 2
  const inv = invFreq(cfg, Dh) //                                                             [Dh/2]
  const cos = new Float64Array(n * Dh)
  const sin = new Float64Array(n * Dh)
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < half; i++) {
      const a = (start + t) * inv[i]
      for (const j of [i, i + half]) {
        cos[t * Dh + j] = Math.cos(a)
        sin[t * Dh + j] = Math.sin(a)
      }
    }
  }
  return { cos, sin }
}

/**
 * Rotary tables for T new tokens. `positions` int64 [B,T] gathers rows of a [rows, Dh] table (rows: the key
 * positions the graph can hold, at most max_position_embeddings; a position is never beyond its key slot, so a
 * real model's 40k–131k-row table is not baked into every inference graph); a number is the static start
 * position (training: 0, tokens at 0 … T−1).
 */
export function rotary(g: Graph, cfg: ModelConfig, T: number, positions: number | Value, rows = cfg.max_position_embeddings): Rotary {
  const Dh = cfg.head_dim
  const half = Dh / 2
  const r = new Float64Array(Dh * Dh) // (x·R)[j] = Σ_i x[i] R[i][j]
  for (let j = 0; j < half; j++) {
    r[(j + half) * Dh + j] = -1 // out[j] = −x[j + half]
    r[j * Dh + j + half] = 1 //    out[j + half] = x[j]
  }
  const rot = g.constant(r, [Dh, Dh], 'float', 'rope.rotate_half')
  if (typeof positions === 'number') {
    const t = angleTable(cfg, positions, T)
    return { cos: g.constant(t.cos, [T, Dh], 'float', 'rope.cos'), sin: g.constant(t.sin, [T, Dh], 'float', 'rope.sin'), rot }
  }
  if (positions.shape.length !== 2 || positions.shape[1] !== T || positions.dtype !== 'int64')
    throw new Error(`rotary: positions must be int64 [B,${T}], got ${positions.dtype} [${positions.shape}]`)
  const n = Math.min(rows, cfg.max_position_embeddings)
  const t = angleTable(cfg, 0, n)
  const pick = (tab: Float64Array, name: string) =>
    ops.unsqueeze(ops.gather(g.constant(tab, [n, Dh], 'float', name), positions), [1]) // [B,1,T,Dh]
  return { cos: pick(t.cos, 'rope.cos_table'), sin: pick(t.sin, 'rope.sin_table'), rot }
}

/** x·cos + rotate_half(x)·sin.   x [B,KV,T,Dh] or [B,KV,G,T,Dh] */
function applyRotary(x: Value, r: Rotary): Value {
  // queries carry an extra G axis: lift a per-row table [B,1,T,Dh] to [B,1,1,T,Dh]
  const lift = (c: Value) => (x.shape.length === 5 && c.shape.length === 4 ? ops.unsqueeze(c, [1]) : c)
  return ops.add(ops.mul(x, lift(r.cos)), ops.mul(ops.matMul(x, r.rot), lift(r.sin)))
}

/** Cached keys and values of one layer (after rotary).   key, value [B,KV,P,Dh] */
export interface KV {
  key: Value
  value: Value
}

export interface AttentionInputs {
  rotary: Rotary
  /** bool, broadcastable to scores [B,KV,G,T,S]: true where a query may attend a key */
  allowed: Value
  past?: KV
  lora?: LoraGraph
  /**
   * inference graphs (weights as inputs): x and the output are columns [D, B·T] (linear's `columns`; row b·T + t
   * of the usual layout is column b·T + t), given with the [B, T] they hold
   */
  columns?: readonly [number, number]
}

/**
 * Grouped-query causal self-attention of one layer on normalised input x [B,T,D] (or columns [D,B·T]); returns the
 * o_proj output [B,T,D] (or [D,B·T]) and this call's keys/values over its T new positions (what a KV cache stores
 * for them).
 * With `past` [B,KV,P,Dh] the queries attend the cached keys and the new ones without concatenating them: scores
 * against each part are joined ([B,KV,G,T,P] + [B,KV,G,T,T], small), one softmax, and the context is the sum of
 * the two parts' probability-weighted values, so a decode step never copies the cache.
 */
export function attention(cfg: ModelConfig, p: LayerParams, x: Value, a: AttentionInputs): { out: Value; present: KV } {
  const cols = a.columns
  const [B, T] = cols ?? x.shape
  const H = cfg.num_attention_heads
  const KV = cfg.num_key_value_heads
  const G = H / KV
  const Dh = cfg.head_dim
  const qkv = cols ? p('self_attn.qkv_proj.weight') : undefined // inference graphs: q/k/v fused (fused.ts)
  const qkvRows = { q_proj: [0, H * Dh], k_proj: [H * Dh, (H + KV) * Dh], v_proj: [(H + KV) * Dh, (H + 2 * KV) * Dh] } as Record<string, [number, number]>
  let fusedOut: Value | undefined //                                                       [(H+2·KV)·Dh, B·T]
  const proj = (n: string) => {
    if (!qkv) return project(p, `self_attn.${n}`, x, a.lora, !!cols)
    fusedOut ??= linear(x, qkv, p('self_attn.qkv_proj.bias'), true)
    return ops.slice(fusedOut, [qkvRows[n][0]], [qkvRows[n][1]], [0])
  }
  // qwen3: RMSNorm over each head's Dh features (q_norm / k_norm), before rotary
  const headNorm = (y: Value, n: string) => (hasQkNorm(cfg) ? rmsNorm(y, required(p, `self_attn.${n}.weight`), cfg.rms_norm_eps) : y)
  if (cols && T === 1 && a.rotary.cos.shape.length === 4) {
    // decode: the fused output transposed once, [B,(H+2·KV)·Dh], each projection's heads sliced from its columns
    const all = qkv && ops.transpose(linear(x, qkv, p('self_attn.qkv_proj.bias'), true), [1, 0])
    const heads = (n: string, g: number) =>
      ops.reshape(all ? ops.slice(all, [qkvRows[n][0]], [qkvRows[n][1]], [1]) : ops.transpose(proj(n), [1, 0]), [B, KV, g, Dh]) // [B,KV,g,Dh]
    return decodeAttention(cfg, p, x, a, B, headNorm, heads)
  }
  let q0: Value, k0: Value, v0: Value //                                                  [B,KV,G,T,Dh], [B,KV,T,Dh] ×2
  if (cols) {
    // columns [H·Dh, B·T] = [KV,G,Dh,B,T]: one transpose per projection to the head layout
    q0 = headNorm(ops.transpose(ops.reshape(proj('q_proj'), [KV, G, Dh, B, T]), [3, 0, 1, 4, 2]), 'q_norm')
    k0 = headNorm(ops.transpose(ops.reshape(proj('k_proj'), [KV, Dh, B, T]), [2, 0, 3, 1]), 'k_norm')
    v0 = ops.transpose(ops.reshape(proj('v_proj'), [KV, Dh, B, T]), [2, 0, 3, 1])
  } else {
    q0 = ops.transpose(headNorm(ops.reshape(proj('q_proj'), [B, T, KV, G, Dh]), 'q_norm'), [0, 2, 3, 1, 4])
    k0 = ops.transpose(headNorm(ops.reshape(proj('k_proj'), [B, T, KV, Dh]), 'k_norm'), [0, 2, 1, 3])
    v0 = ops.transpose(ops.reshape(proj('v_proj'), [B, T, KV, Dh]), [0, 2, 1, 3])
  }
  const q = ops.reshape(ops.mul(applyRotary(q0, a.rotary), 1 / Math.sqrt(Dh)), [B, KV, G * T, Dh]) // [B,KV,G·T,Dh]
  const kNew = applyRotary(k0, a.rotary) //                                                      [B,KV,T,Dh]
  const P = a.past?.key.shape[2] ?? 0
  const S = P + T
  // the G query heads of a kv head are stacked as rows: one plain batched MatMul per (b, kv head)
  const against = (key: Value) => ops.reshape(ops.matMul(q, ops.transposeLast2(key)), [B, KV, G, T, key.shape[2]])
  const scores = a.past ? ops.concat([against(a.past.key), against(kNew)], -1) : against(kNew) // [B,KV,G,T,S]
  // additive mask built on the mask's own small shape ([T,S] or [B,1,1,T,S]; folded when constant)
  const masked = ops.add(scores, ops.where(a.allowed, 0, LOWEST[x.graph.floatType])) //          [B,KV,G,T,S]
  const probs = ops.reshape(ops.softmax(masked, -1), [B, KV, G * T, S]) //                      [B,KV,G·T,S]
  const ctx = weightedValues(probs, v0, a.past) //                                                [B,KV,G·T,Dh]
  const merged = cols //                                                                      [B,T,H·Dh] or [H·Dh,B·T]
    ? ops.reshape(ops.transpose(ops.reshape(ctx, [B, KV, G, T, Dh]), [1, 2, 4, 0, 3]), [H * Dh, B * T])
    : ops.reshape(ops.transpose(ops.reshape(ctx, [B, KV, G, T, Dh]), [0, 3, 1, 2, 4]), [B, T, H * Dh])
  return { out: project(p, 'self_attn.o_proj', merged, a.lora, !!cols), present: { key: kNew, value: v0 } }
}

/**
 * The context: probabilities [..., S] over the cached keys (the first P = S − T) and the new ones, times their
 * values, as the sum of the two parts' products so the cache is never concatenated.   vNew [..., T, Dh] → [..., Dh]
 */
function weightedValues(probs: Value, vNew: Value, past?: KV): Value {
  if (!past) return ops.matMul(probs, vNew)
  const P = past.value.shape[2]
  const S = probs.shape[3]
  return ops.add(ops.matMul(ops.slice(probs, [0], [P], [3]), past.value), ops.matMul(ops.slice(probs, [P], [S], [3]), vNew))
}

/**
 * attention() for one new token per row (decode step) in the columns layout, x [D,B] → out [D,B]: heads as
 * [B,KV,G,Dh] (G·T = G, so no reshapes around the scores), rotary and scale as one MatMul (RowRotations), the mask
 * as [B,1,1,S].
 */
function decodeAttention(cfg: ModelConfig, p: LayerParams, x: Value, a: AttentionInputs, B: number, headNorm: (y: Value, n: string) => Value, heads: (n: string, g: number) => Value): { out: Value; present: KV } {
  const H = cfg.num_attention_heads
  const KV = cfg.num_key_value_heads
  const G = H / KV
  const Dh = cfg.head_dim
  const rot = (a.rotary.rows ??= rowRotations(a.rotary, 1 / Math.sqrt(Dh)))
  const q = ops.matMul(headNorm(heads('q_proj', G), 'q_norm'), rot.q) //                      [B,KV,G,Dh]
  const kNew = ops.matMul(headNorm(heads('k_proj', 1), 'k_norm'), rot.k) //                   [B,KV,1,Dh]
  const v0 = heads('v_proj', 1) //                                                           [B,KV,1,Dh]
  const P = a.past?.key.shape[2] ?? 0
  const S = P + 1
  const against = (key: Value) => ops.matMul(q, ops.transposeLast2(key)) //                   [B,KV,G,·]
  const scores = a.past ? ops.concat([against(a.past.key), against(kNew)], -1) : against(kNew) // [B,KV,G,S]
  const allowed = a.allowed.shape.length === 5 ? ops.reshape(a.allowed, [B, 1, 1, S]) : a.allowed // [B,1,1,S] or [1,S]
  const probs = ops.softmax(ops.add(scores, ops.where(allowed, 0, LOWEST[x.graph.floatType])), -1) // [B,KV,G,S]
  const ctx = weightedValues(probs, v0, a.past) //                                            [B,KV,G,Dh]
  const merged = ops.transpose(ops.reshape(ctx, [B, H * Dh]), [1, 0]) //                     [H·Dh,B]
  return { out: project(p, 'self_attn.o_proj', merged, a.lora, true), present: { key: kNew, value: v0 } }
}

/** SwiGLU: down(silu(gate(x)) · up(x)).   x [B,T,D] → [B,T,D] (inner [B,T,F]); `columns`: [D,M] → [D,M] (inner [F,M]) */
export function mlp(p: LayerParams, x: Value, lora?: LoraGraph, columns = false): Value {
  const gateUp = columns ? p('mlp.gate_up_proj.weight') : undefined // inference graphs: gate/up fused (fused.ts), [2F,D]
  const F = gateUp ? gateUp.shape[0] / 2 : 0
  const y = gateUp && linear(x, gateUp, undefined, true) //                                  [2F,M]
  const part = (name: string, from: number) => (y ? ops.slice(y, [from], [from + F], [0]) : project(p, name, x, lora, columns))
  const inner = ops.mul(ops.silu(part('mlp.gate_proj', 0)), part('mlp.up_proj', F))
  return project(p, 'mlp.down_proj', inner, lora, columns)
}
