/**
 * Rotary position embeddings as Hugging Face configures them, read from either layout:
 *   transformers ≥ 5:  "rope_parameters": { "rope_type": "llama3", "rope_theta": 500000, "factor": 32, … }
 *   transformers 4:    "rope_theta": 500000, "rope_scaling": { "rope_type" (or legacy "type"): "llama3", … } | null
 * Implemented rope types (transformers' modeling_rope_utils, attention_factor 1 for all three):
 *   default  inv_freq[i] = θ^(−2i/Dh)
 *   linear   inv_freq[i] / factor                                  (positions divided by factor)
 *   llama3   per frequency, by wavelength w = 2π / inv_freq with L = original_max_position_embeddings:
 *              w < L / high_freq_factor  → unchanged
 *              w > L / low_freq_factor   → inv_freq / factor
 *              otherwise                 → (1 − s)·inv_freq / factor + s·inv_freq,
 *                                          s = (L / w − low_freq_factor) / (high_freq_factor − low_freq_factor)
 * Everything else (dynamic, yarn, longrope, …, per-layer-type parameters, partial rotary) is refused by name.
 */

/** Normalised scaling, stored in config.json in the transformers-4 `rope_scaling` form. */
export type RopeScaling =
  | { rope_type: 'linear'; factor: number }
  | { rope_type: 'llama3'; factor: number; low_freq_factor: number; high_freq_factor: number; original_max_position_embeddings: number }

export interface Rope {
  rope_theta: number
  /** undefined = default RoPE */
  rope_scaling?: RopeScaling
}

const NEEDS: Record<string, string[]> = {
  default: [],
  linear: ['factor'],
  llama3: ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'],
}

const refuse = (what: string): never => {
  throw new Error(`config.json: unsupported ${what}`)
}

/** rope_theta and scaling from a raw config.json (either layout); throws naming what it does not implement.
 * defaultTheta: the config class's value for an absent rope_theta (learner/config.ts CLASS_DEFAULTS). */
export function readRope(raw: Record<string, unknown>, defaultTheta = 10000): Rope {
  const params = raw.rope_parameters
  const scaling = raw.rope_scaling
  if (params != null && typeof params !== 'object') refuse(`rope_parameters=${JSON.stringify(params)}`)
  if (scaling != null && typeof scaling !== 'object') refuse(`rope_scaling=${JSON.stringify(scaling)}`)
  const p = (params ?? undefined) as Record<string, unknown> | undefined
  const s = (scaling ?? undefined) as Record<string, unknown> | undefined
  if (p && s) refuse('rope_parameters together with rope_scaling (two layouts in one file)')
  const [key, src] = p ? ['rope_parameters', p] : ['rope_scaling', s]
  const inner = src?.rope_theta
  if (raw.rope_theta === null || (src && src.rope_theta === null)) refuse(`rope_theta=null`)
  const theta = inner ?? raw.rope_theta ?? defaultTheta
  if (inner !== undefined && raw.rope_theta !== undefined && inner !== raw.rope_theta)
    refuse(`rope_theta=${String(raw.rope_theta)} disagreeing with ${key}.rope_theta=${String(inner)}`)
  if (typeof theta !== 'number' || !(theta > 0)) refuse(`rope_theta=${JSON.stringify(theta)}`)
  if (!src) return { rope_theta: theta as number }
  for (const [k, v] of Object.entries(src))
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) refuse(`${key}.${k} (per-layer-type RoPE parameters)`)
  const type = src.rope_type ?? src.type ?? 'default'
  if (typeof type !== 'string' || !(type in NEEDS)) refuse(`${key}.rope_type=${JSON.stringify(type)} (implemented: default, linear, llama3)`)
  const allowed = new Set(['rope_type', 'type', 'rope_theta', ...NEEDS[type as string]])
  for (const [k, v] of Object.entries(src)) {
    if (k === 'partial_rotary_factor' && v === 1) continue
    if (!allowed.has(k)) refuse(`${key}.${k}=${JSON.stringify(v)} for rope_type ${type as string}`)
  }
  const num = (k: string) => {
    const v = src[k]
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) refuse(`${key}.${k}=${JSON.stringify(v)} (rope_type ${type as string} needs a positive number)`)
    return v as number
  }
  if (type === 'linear') return { rope_theta: theta as number, rope_scaling: { rope_type: 'linear', factor: num('factor') } }
  if (type === 'llama3') {
    const r: RopeScaling = {
      rope_type: 'llama3',
      factor: num('factor'),
      low_freq_factor: num('low_freq_factor'),
      high_freq_factor: num('high_freq_factor'),
      original_max_position_embeddings: num('original_max_position_embeddings'),
    }
    if (!(r.high_freq_factor > r.low_freq_factor)) refuse(`${key}: high_freq_factor must exceed low_freq_factor`)
    return { rope_theta: theta as number, rope_scaling: r }
  }
  return { rope_theta: theta as number }
}

/** inv_freq [Dh/2] in float64 for a resolved rope (angle[t,i] = t · inv_freq[i]). */
export function invFreq(rope: Rope, Dh: number): Float64Array {
  const out = new Float64Array(Dh / 2)
  const sc = rope.rope_scaling
  for (let i = 0; i < Dh / 2; i++) {
    const f = rope.rope_theta ** ((-2 * i) / Dh)
    if (!sc) out[i] = f
    else if (sc.rope_type === 'linear') out[i] = f / sc.factor
    else {
      const L = sc.original_max_position_embeddings
      const wavelen = (2 * Math.PI) / f
      if (wavelen < L / sc.high_freq_factor) out[i] = f
      else if (wavelen > L / sc.low_freq_factor) out[i] = f / sc.factor
      else {
        const s = (L / wavelen - sc.low_freq_factor) / (sc.high_freq_factor - sc.low_freq_factor)
        out[i] = ((1 - s) * f) / sc.factor + s * f
      }
    }
  }
  return out
}
