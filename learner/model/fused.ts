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

/** The inference graphs' weight inputs in paramSpecs order: a tensor alone, or a fused group (its parts in row order). */
type Input = { name: string; parts: ParamSpec[] }

function inputsOf(cfg: ModelConfig): Input[] {
  const specs = paramSpecs(cfg)
  const have = new Set(specs.map((s) => s.name))
  const fusedOf = new Map<string, string>() // part name → fused name, for parts whose whole group exists
  for (const s of specs) {
    const m = LAYER.exec(s.name)
    if (!m) continue
    for (const [fused, parts] of Object.entries(FUSED))
      if (parts.includes(m[2]) && parts.every((p) => have.has(m[1] + p))) fusedOf.set(s.name, m[1] + fused)
  }
  const out: Input[] = []
  const groups = new Map<string, Input>()
  for (const s of specs) {
    const fused = fusedOf.get(s.name)
    if (!fused) out.push({ name: s.name, parts: [s] })
    else if (groups.has(fused)) groups.get(fused)!.parts.push(s)
    else {
      const g = { name: fused, parts: [s] }
      groups.set(fused, g)
      out.push(g) // in place of its first part
    }
  }
  return out
}

/** The inference graphs' weight inputs: paramSpecs with each fused group in place of its first part. */
export function inferenceSpecs(cfg: ModelConfig): ParamSpec[] {
  return inputsOf(cfg).map(({ name, parts: [first, ...rest] }) =>
    rest.length ? { name, shape: [rest.reduce((n, x) => n + x.shape[0], first.shape[0]), ...first.shape.slice(1)], decay: first.decay } : first,
  )
}

/** The weights by inferenceSpecs name, from a checkpoint's tensors by paramSpecs name (views where contiguous). */
export function inferenceWeights(cfg: ModelConfig, weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const get = (name: string) => {
    const w = weights.get(name)
    if (!w) throw new Error(`inference model: missing parameter ${name}`)
    return w
  }
  return new Map(inputsOf(cfg).map(({ name, parts }): [string, Float32Array] => {
    const members = parts.map((x) => get(x.name))
    if (members.length === 1) return [name, members[0]]
    const n = members.reduce((k, w) => k + w.length, 0)
    const first = members[0]
    const adjacent = members.every((w, i) => w.buffer === first.buffer && (i === 0 || w.byteOffset === members[i - 1].byteOffset + members[i - 1].byteLength))
    if (adjacent) return [name, new Float32Array(first.buffer, first.byteOffset, n)]
    const all = new Float32Array(n)
    let at = 0
    for (const w of members) { all.set(w, at); at += w.length }
    return [name, all]
  }))
}
