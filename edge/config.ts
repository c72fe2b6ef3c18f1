/** Edge configuration: one typed object, built from the environment by each entry point. */
export interface EdgeConfig {
  /** Largest accepted request body in bytes (larger → 413). Env COHORT_BODY_LIMIT; default 16 MiB. */
  bodyLimitBytes: number
  /** Bootstrap admin key (env COHORT_ADMIN_KEY): accepted as an admin even before it is stored. */
  adminKey?: string
  /**
   * Limits of keys made by invitations that name none (env COHORT_INVITE_LEASES_PER_MIN, default 30;
   * COHORT_INVITE_SUBMISSIONS_PER_MIN, default 30). Keys an admin creates without limits are unlimited.
   */
  inviteLimits: { leasesPerMinute: number; submissionsPerMinute: number }
}

export const DEFAULT_INVITE_LIMITS = { leasesPerMinute: 30, submissionsPerMinute: 30 }

function positiveInt(env: Record<string, unknown>, name: string, fallback: number): number {
  const v = Number(env[name] ?? fallback)
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`)
  return v
}

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024

export function configFromEnv(env: Record<string, unknown>): EdgeConfig {
  const limit = positiveInt(env, 'COHORT_BODY_LIMIT', DEFAULT_BODY_LIMIT)
  const adminKey = typeof env.COHORT_ADMIN_KEY === 'string' && env.COHORT_ADMIN_KEY ? env.COHORT_ADMIN_KEY : undefined
  const inviteLimits = {
    leasesPerMinute: positiveInt(env, 'COHORT_INVITE_LEASES_PER_MIN', DEFAULT_INVITE_LIMITS.leasesPerMinute),
    submissionsPerMinute: positiveInt(env, 'COHORT_INVITE_SUBMISSIONS_PER_MIN', DEFAULT_INVITE_LIMITS.submissionsPerMinute),
  }
  return { bodyLimitBytes: limit, adminKey, inviteLimits }
}
