/**
 * LoRA adapters (Hu et al. 2021; PEFT's layout and initialisation) on the decoder's linear projections:
 *   y = x·Wᵀ (+ b) + scale · dropout(x)·Aᵀ·Bᵀ,   scale = lora_alpha / r
 *   A  lora_A.weight [r, in]   kaiming-uniform (PEFT default: U(−1/√in, 1/√in))
 *   B  lora_B.weight [out, r]  zeros, so the adapted model starts as the base model
 * Internal names extend the target's HF name (model.layers.0.self_attn.q_proj.lora_A.weight); PEFT files prefix
 * them with "base_model.model." (peft.ts). Only A and B are trained; W, biases, norms and embeddings stay frozen.
 *
 * Dimension legend: D hidden, F intermediate, H·Dh query width, KV·Dh key/value width, r rank.
 */
import type { ModelConfig, ParamSpec } from '../config.js'
import { createRng } from '../sample/rng.js'

/** Projections LoRA can adapt (PEFT's target_modules names). */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const
export type LoraTarget = (typeof LORA_TARGETS)[number]

export interface LoraConfig {
  /** r: adapter rank */
  r: number
  /** lora_alpha: scale = alpha / r */
  alpha: number
  /** dropout probability on the adapter's input (training graphs only) */
  dropout: number
  /** adapted projections, every layer */
  targets: LoraTarget[]
}

export const DEFAULT_LORA: Omit<LoraConfig, 'r'> = { alpha: 16, dropout: 0, targets: [...LORA_TARGETS] }

/** Check and complete a LoRA config; throws naming a bad field. */
export function resolveLora(o: Partial<LoraConfig> & { r: number }): LoraConfig {
  const c: LoraConfig = { ...DEFAULT_LORA, ...o, targets: [...(o.targets ?? DEFAULT_LORA.targets)] }
  if (!Number.isInteger(c.r) || c.r < 1) throw new RangeError(`lora: rank must be a positive integer, got ${c.r}`)
  if (!(c.alpha > 0)) throw new RangeError(`lora: alpha must be positive, got ${c.alpha}`)
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`lora: dropout must be in [0, 1), got ${c.dropout}`)
  const bad = c.targets.filter((t) => !(LORA_TARGETS as readonly string[]).includes(t))
  if (bad.length || c.targets.length === 0) throw new RangeError(`lora: targets must be among ${LORA_TARGETS.join(', ')}; got ${c.targets.join(', ') || 'none'}`)
  return c
}

export const loraScale = (c: LoraConfig) => c.alpha / c.r

/** HF name of the adapted weight (without .weight) for a target in layer l. */
export function targetModule(l: number, t: LoraTarget): string {
  return `model.layers.${l}.${t === 'gate_proj' || t === 'up_proj' || t === 'down_proj' ? 'mlp' : 'self_attn'}.${t}`
}

/** [out, in] of a target projection. */
function targetShape(c: ModelConfig, t: LoraTarget): [number, number] {
  const D = c.hidden_size
  const q = c.num_attention_heads * c.head_dim
  const kv = c.num_key_value_heads * c.head_dim
  const F = c.intermediate_size
  return { q_proj: [q, D], k_proj: [kv, D], v_proj: [kv, D], o_proj: [D, q], gate_proj: [F, D], up_proj: [F, D], down_proj: [D, F] }[t] as [number, number]
}

/** The trainable adapter tensors in a fixed order (layer-major, targets in LORA_TARGETS order, A then B). */
export function loraSpecs(c: ModelConfig, lora: LoraConfig): ParamSpec[] {
  const out: ParamSpec[] = []
  for (let l = 0; l < c.num_hidden_layers; l++)
    for (const t of LORA_TARGETS) {
      if (!lora.targets.includes(t)) continue
      const [o, i] = targetShape(c, t)
      const m = targetModule(l, t)
      out.push({ name: `${m}.lora_A.weight`, shape: [lora.r, i], decay: true })
      out.push({ name: `${m}.lora_B.weight`, shape: [o, lora.r], decay: true })
    }
  return out
}

/** PEFT's initialisation: A ~ U(−1/√in, 1/√in) (kaiming_uniform with a = √5), B = 0. */
export function initLora(c: ModelConfig, lora: LoraConfig, seed: number): Map<string, Float32Array> {
  const rng = createRng(seed)
  const out = new Map<string, Float32Array>()
  for (const s of loraSpecs(c, lora)) {
    const data = new Float32Array(s.shape[0] * s.shape[1])
    if (s.name.endsWith('lora_A.weight')) {
      const bound = 1 / Math.sqrt(s.shape[1])
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * bound
    }
    out.set(s.name, data)
  }
  return out
}

/** Merged weights: W + scale·B·A for every adapted projection; every other tensor shared with `base` (not copied). */
export function mergeLora(c: ModelConfig, lora: LoraConfig, base: ReadonlyMap<string, Float32Array>, adapters: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const out = new Map(base)
  const scale = loraScale(lora)
  const r = lora.r
  for (let l = 0; l < c.num_hidden_layers; l++)
    for (const t of lora.targets) {
      const m = targetModule(l, t)
      const [O, I] = targetShape(c, t)
      const A = adapters.get(`${m}.lora_A.weight`)! //                               [r, I]
      const B = adapters.get(`${m}.lora_B.weight`)! //                               [O, r]
      const W = Float32Array.from(base.get(`${m}.weight`)!) //                       [O, I]
      for (let o = 0; o < O; o++)
        for (let k = 0; k < r; k++) {
          const b = scale * B[o * r + k]
          if (b === 0) continue
          for (let i = 0; i < I; i++) W[o * I + i] += b * A[k * I + i]
        }
      out.set(`${m}.weight`, W)
    }
  return out
}
