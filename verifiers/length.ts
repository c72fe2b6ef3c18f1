/**
 * `length`: DAPO's soft overlong punishment. With L = the completion length, Lmax = `max`, Lc = `buffer`:
 *   reward = 0                        if L ≤ Lmax − Lc
 *          = ((Lmax − Lc) − L) / Lc   if Lmax − Lc < L ≤ Lmax   (linear from 0 down to −1)
 *          = −1                       if L > Lmax
 * A penalty in [−1, 0], meant as a part of a `weighted` spec. Unit: characters, or tokens when the caller
 * passes `tokenCounts` in the input (the edge knows them from the submitted token ids); without counts, tokens
 * are estimated as ⌈UTF-8 bytes / 4⌉ and the reason says so.
 */
import { z } from 'zod'
import { LIMITS } from './limits.js'
import type { CompletionVerdict, VerifierDef } from './types.js'

export const lengthSpec = z
  .object({
    type: z.literal('length'),
    /** Lmax: the generation limit. */
    max: z.number().int().positive(),
    /** Lc: the soft punishment interval before Lmax. */
    buffer: z.number().int().positive(),
    unit: z.enum(['chars', 'tokens']).default('tokens'),
  })
  .strict()
  .refine((s) => s.buffer <= s.max, { message: 'buffer must not exceed max', path: ['buffer'] })
export type LengthSpec = z.infer<typeof lengthSpec>

export function overlongPenalty(len: number, max: number, buffer: number): number {
  if (len <= max - buffer) return 0
  if (len <= max) return (max - buffer - len) / buffer
  return -1
}

const encoder = new TextEncoder()

export const length: VerifierDef<LengthSpec> = {
  score(spec, input) {
    return input.completions.map((c, i): CompletionVerdict => {
      let len: number
      let how: string
      if (spec.unit === 'chars') {
        len = [...c.slice(0, LIMITS.completionChars * 2)].length
        how = 'characters'
      } else if (input.tokenCounts?.[i] !== undefined) {
        len = input.tokenCounts[i]
        how = 'tokens'
      } else {
        len = Math.ceil(encoder.encode(c.slice(0, LIMITS.completionChars * 2)).length / 4)
        how = 'tokens (estimated as UTF-8 bytes / 4)'
      }
      return { reward: overlongPenalty(len, spec.max, spec.buffer), status: 'ok', reason: `${len} ${how}` }
    })
  },
}
