/** The leaf verifiers of a spec (weighted parts flattened, depth-first): to find its http and human parts. */
import type { VerifierSpec } from '../../../verifiers/index.js'

export function leafSpecs(spec: VerifierSpec): Exclude<VerifierSpec, { type: 'weighted' }>[] {
  return spec.type === 'weighted' ? spec.parts.flatMap((p) => leafSpecs(p.verifier)) : [spec]
}
