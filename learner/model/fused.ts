/**
 * Fused projections for the inference graphs: a layer's q/k/v weights as one matrix [q; k; v] (rows, biases
 * likewise) and gate/up as one [gate; up], so a prefill or decode step runs one MatMul per group instead of three
 * and two (layers.ts takes the fused weight when the layer's params hold it). The inference graphs declare the
 * fused weights as inputs in place of their parts (`inferenceSpecs`); `inferenceWeights` builds them from a
 * checkpoint's tensors (paramSpecs names): a view, no copy, when the parts lie back to back in one buffer (the
 * loop's snapshot sets, learner/loop), else one concatenated copy per model.
 */
import { paramSpecs, type ModelConfig, type ParamSpec } from '../config.js'

/** Fused weight (name inside a layer) → its parts in row order. */
export const FUSED: Readonly<Record<string, readonly string[]>> = {
  'self_attn.qkv_proj.weight': ['self_attn.q_proj.weight', 'self_attn.k_proj.weight', 'self_attn.v_proj.weight'],
  'self_attn.qkv_proj.bias': ['self_attn.q_proj.bias', 'self_attn.k_proj.bias', 'self_attn.v_proj.bias'],
  'mlp.gate_up_proj.weight': ['mlp.gate_proj.weight', 'mlp.up_proj.weight'],
}

const LAYER = /^(model\.layers\.\d+\.)(.*)$/

/** Where each part goes: full part name → [full fused name, index among its parts]. */
function partsOf(specs: readonly ParamSpec[]): Map<string, [string, number]> {
  const have = new Set(specs.map((s) => s.name))
  const out = new Map<string, [string, number]>()
  for (const s of specs) {
    const m = LAYER.exec(s.name)
    if (!m) continue
    for (const [fused, parts] of Object.entries(FUSED)) {
      const i = parts.indexOf(m[2])
      if (i >= 0 && parts.every((p) => have.has(m[1] + p))) out.set(s.name, [m[1] + fused, i])
    }
  }
  return out
}

/** The inference graphs' weight inputs: paramSpecs with each fused group in place of its first part. */
export function inferenceSpecs(cfg: ModelConfig): ParamSpec[] {
  const specs = paramSpecs(cfg)
  const parts = partsOf(specs)
  const out: ParamSpec[] = []
  for (const s of specs) {
    const f = parts.get(s.name)
    if (!f) out.push(s)
    else if (f[1] === 0) {
      const members = specs.filter((x) => parts.get(x.name)?.[0] === f[0])
      out.push({ name: f[0], shape: [members.reduce((n, x) => n + x.shape[0], 0), ...s.shape.slice(1)], decay: s.decay })
    }
  }
  return out
}

/** The weights by inferenceSpecs name, from a checkpoint's tensors by paramSpecs name (views where contiguous). */
export function inferenceWeights(cfg: ModelConfig, weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const specs = paramSpecs(cfg)
  const parts = partsOf(specs)
  const get = (name: string) => {
    const w = weights.get(name)
    if (!w) throw new Error(`inference model: missing parameter ${name}`)
    return w
  }
  const out = new Map<string, Float32Array>()
  for (const s of specs) {
    const f = parts.get(s.name)
    if (!f) out.set(s.name, get(s.name))
    else if (f[1] === 0) {
      const members = specs.filter((x) => parts.get(x.name)?.[0] === f[0]).map((x) => get(x.name))
      const n = members.reduce((k, w) => k + w.length, 0)
      const first = members[0]
      const adjacent = members.every((w, i) => w.buffer === first.buffer && (i === 0 || w.byteOffset === members[i - 1].byteOffset + members[i - 1].byteLength))
      if (adjacent) out.set(f[0], new Float32Array(first.buffer, first.byteOffset, n))
      else {
        const all = new Float32Array(n)
        let at = 0
        for (const w of members) { all.set(w, at); at += w.length }
        out.set(f[0], all)
      }
    }
  }
  return out
}
