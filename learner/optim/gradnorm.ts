/** Global gradient norm and the clipping scale (torch.nn.utils.clip_grad_norm_'s rule). */

/** sqrt(Σ over all tensors of Σ g²), accumulated in float64. */
export function globalGradNorm(grads: readonly Float32Array[]): number {
  let ss = 0
  for (const g of grads) for (let i = 0; i < g.length; i++) ss += g[i] * g[i]
  return Math.sqrt(ss)
}

/** Factor to multiply gradients by so their norm is at most maxNorm: min(1, maxNorm / (norm + 1e-6)); 1 if off. */
export function clipScale(norm: number, maxNorm: number | undefined): number {
  if (maxNorm === undefined || maxNorm <= 0) return 1
  return Math.min(1, maxNorm / (norm + 1e-6))
}
