/**
 * Optimizer state ↔ safetensors tensors (for checkpoints): `exp_avg.<param name>` and `exp_avg_sq.<param name>`
 * (torch's names for the moments), F32, plus `__metadata__` { step, beta1, beta2, eps, weight_decay }.
 */
import { parseSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js'
import type { AdamW } from './adamw.js'

export function saveAdamWState(opt: AdamW): Uint8Array {
  const tensors: Record<string, Tensor> = {}
  opt.specs.forEach((s, i) => {
    tensors[`exp_avg.${s.name}`] = { dtype: 'F32', shape: s.shape, data: opt.m[i] }
    tensors[`exp_avg_sq.${s.name}`] = { dtype: 'F32', shape: s.shape, data: opt.v[i] }
  })
  return writeSafetensors(tensors, {
    step: String(opt.t),
    beta1: String(opt.beta1),
    beta2: String(opt.beta2),
    eps: String(opt.eps),
    weight_decay: String(opt.weightDecay),
  })
}

/** Restore moments and step count into `opt` (same parameter layout), copying into its buffers. */
export function loadAdamWState(opt: AdamW, buf: Uint8Array): void {
  const { tensors, metadata } = parseSafetensors(buf)
  const step = Number(metadata.step)
  if (!Number.isInteger(step) || step < 0) throw new Error(`optimizer state: bad or missing step ${metadata.step}`)
  opt.specs.forEach((s, i) => {
    for (const [key, dst] of [[`exp_avg.${s.name}`, opt.m[i]], [`exp_avg_sq.${s.name}`, opt.v[i]]] as const) {
      const t = tensors[key]
      if (!t) throw new Error(`optimizer state: missing ${key}`)
      if (t.dtype !== 'F32' || t.shape.join() !== s.shape.join())
        throw new Error(`optimizer state: ${key} is ${t.dtype}[${t.shape}], expected F32[${s.shape}]`)
      dst.set(t.data as Float32Array)
    }
  })
  opt.t = step
}

