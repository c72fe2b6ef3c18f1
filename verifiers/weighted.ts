/**
 * `weighted`: a weighted mean of part verifiers (weights normalised to sum to 1). Each part's reward is reported
 * in `parts` under the part's name (default: its type; repeated names get `_2`, `_3`…), and a nested weighted
 * part's own parts appear as `name/inner` — the TRL / verifiers `rewards/<name>` breakdown. Any part in error
 * makes the completion an error; otherwise any pending part makes it pending.
 */
import type { WeightedSpec } from './spec.js'
import type { CompletionVerdict, VerifierDef } from './types.js'

/** Unique part names in order. */
export function partNames(spec: WeightedSpec): string[] {
  const seen = new Map<string, number>()
  return spec.parts.map((p) => {
    const base = p.name ?? p.verifier.type
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return n === 1 ? base : `${base}_${n}`
  })
}

export const weighted: VerifierDef<WeightedSpec> = {
  async score(spec, input, ctx) {
    const names = partNames(spec)
    const total = spec.parts.reduce((s, p) => s + p.weight, 0)
    const results: CompletionVerdict[][] = []
    for (const p of spec.parts) results.push(await ctx.dispatch(p.verifier, input))
    return input.completions.map((_, i): CompletionVerdict => {
      const parts: Record<string, number> = {}
      let reward = 0
      let pending: string | null = null
      for (let k = 0; k < spec.parts.length; k++) {
        const v = results[k][i]
        if (v.status === 'error') return { reward: null, status: 'error', parts, reason: `part ${names[k]}: ${v.reason ?? 'error'}` }
        if (v.status === 'pending' || v.reward === null) {
          pending ??= `part ${names[k]}: ${v.reason ?? 'pending'}`
          continue
        }
        parts[names[k]] = v.reward
        for (const [inner, r] of Object.entries(v.parts ?? {})) parts[`${names[k]}/${inner}`] = r
        reward += (spec.parts[k].weight / total) * v.reward
      }
      if (pending) return { reward: null, status: 'pending', parts, reason: pending }
      return { reward, status: 'ok', parts }
    })
  },
}
