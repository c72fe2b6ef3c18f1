/** Edge configuration: one typed object, built from the environment by each entry point. */
export interface EdgeConfig {
  /** Largest accepted request body in bytes (larger → 413). Env COHORT_BODY_LIMIT; default 16 MiB. */
  bodyLimitBytes: number
  /** Bootstrap admin key (env COHORT_ADMIN_KEY): accepted as an admin even before it is stored. */
  adminKey?: string
}

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024

export function configFromEnv(env: Record<string, unknown>): EdgeConfig {
  const limit = Number(env.COHORT_BODY_LIMIT ?? DEFAULT_BODY_LIMIT)
  if (!Number.isInteger(limit) || limit <= 0) throw new Error(`COHORT_BODY_LIMIT must be a positive integer (bytes)`)
  const adminKey = typeof env.COHORT_ADMIN_KEY === 'string' && env.COHORT_ADMIN_KEY ? env.COHORT_ADMIN_KEY : undefined
  return { bodyLimitBytes: limit, adminKey }
}
