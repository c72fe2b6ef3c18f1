/**
 * Secrets of hosted (`http`) verifiers. A spec names its secret (`secretRef`), never holds it; the edge resolves
 * it from the environment variable / Workers binding
 *   COHORT_VERIFIER_SECRET_<REF>      <REF> = secretRef upper-cased, every character outside A–Z 0–9 → "_"
 * e.g. secretRef "grader-v2" → COHORT_VERIFIER_SECRET_GRADER_V2. Set it with `npx wrangler secret put …` on
 * Workers, in the process environment on Node. Sources are searched in order (Workers bindings first, then
 * process.env where there is one). Only the secrets the spec names are resolved.
 */
import type { VerifierSpec } from '../../../verifiers/index.js'
import { leafSpecs } from './leaves.js'

export const SECRET_ENV_PREFIX = 'COHORT_VERIFIER_SECRET_'

/** Environment-like records that may hold secrets (a Workers env, process.env). */
export type SecretSources = readonly (Record<string, unknown> | undefined | null)[]

export const secretEnvName = (ref: string) => SECRET_ENV_PREFIX + ref.toUpperCase().replace(/[^A-Z0-9]/g, '_')

/** secretRef → secret for every http part of `spec` that some source configures. */
export function resolveSecrets(spec: VerifierSpec, sources: SecretSources): Record<string, string> {
  const out: Record<string, string> = {}
  for (const leaf of leafSpecs(spec)) {
    if (leaf.type !== 'http' || leaf.secretRef in out) continue
    const name = secretEnvName(leaf.secretRef)
    for (const src of sources) {
      const v = src?.[name]
      if (typeof v === 'string' && v !== '') {
        out[leaf.secretRef] = v
        break
      }
    }
  }
  return out
}

const processEnv = (): Record<string, unknown> | undefined =>
  (globalThis as { process?: { env?: Record<string, unknown> } }).process?.env

/** Where secrets are looked up: a Workers env (a request's `c.env`, the scheduled handler's env), then process.env on Node. */
export const secretSources = (env?: unknown): SecretSources => [
  env !== null && typeof env === 'object' ? (env as Record<string, unknown>) : undefined,
  processEnv(),
]
