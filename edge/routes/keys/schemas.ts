/** zod schemas of the key and invitation routes (bodies strict). No response carries a stored key or code hash. */
import { z } from '@hono/zod-openapi'
import { ROLES } from '../../../schema/index.js'

const PerMinute = z.number().int().positive().max(1_000_000)

export const Limits = z
  .object({
    leasesPerMinute: PerMinute.optional().openapi({ description: 'POST /v1/leases per minute (429 beyond)' }),
    submissionsPerMinute: PerMinute.optional().openapi({ description: 'group submissions + ratings per minute' }),
  })
  .strict()
  .openapi('KeyLimits')

const Future = z
  .string()
  .datetime({ offset: true })
  .refine((s) => Date.parse(s) > Date.now(), 'must be in the future')

const Quota = z.number().int().positive().max(2 ** 31 - 1).openapi({
  description: 'Group submissions + ratings the key may make in all (403 once used)',
})

export const CreateKeyBody = z
  .object({
    role: z.enum(ROLES),
    label: z.string().max(200).optional(),
    expiresAt: Future.optional().openapi({ description: 'ISO 8601; the key answers 401 from then on' }),
    limits: Limits.optional().openapi({ description: 'Omitted: unlimited (trusted fleets are never throttled)' }),
    quota: Quota.optional(),
  })
  .strict()
  .openapi('CreateKey')

export const CreatedKey = z
  .object({
    id: z.number().int(),
    key: z.string().openapi({ description: 'The bearer key; shown once, stored only as sha256.' }),
    prefix: z.string(),
    role: z.enum(ROLES),
  })
  .openapi('CreatedKey')

const LimitsOut = z.object({ leasesPerMinute: z.number().int().nullable(), submissionsPerMinute: z.number().int().nullable() })

export const KeyList = z
  .object({
    keys: z.array(
      z.object({
        id: z.number().int(),
        prefix: z.string(),
        role: z.enum(ROLES),
        label: z.string().nullable(),
        createdAt: z.string(),
        lastUsedAt: z.string().nullable(),
        expiresAt: z.string().nullable(),
        revokedAt: z.string().nullable(),
        limits: LimitsOut,
        quota: z.number().int().nullable(),
        inviteId: z.number().int().nullable(),
        usage: z.object({ leases: z.number().int(), groups: z.number().int(), ratings: z.number().int() }),
      }),
    ),
  })
  .openapi('KeyList')

export const KeyParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .openapi({ param: { name: 'id', in: 'path' } }),
})

/** Roles an invitation may hand out: never admin or learner. */
const InviteRole = z.enum(['worker', 'rater'])

export const CreateInviteBody = z
  .object({
    role: InviteRole,
    uses: z.number().int().positive().max(100_000).default(1).openapi({ description: 'Keys the code may make' }),
    label: z.string().max(200).optional(),
    expiresAt: Future.optional().openapi({ description: 'ISO 8601; the code is refused from then on' }),
    limits: Limits.optional().openapi({
      description: 'Limits of the keys it makes; omitted fields take the edge defaults (COHORT_INVITE_*_PER_MIN)',
    }),
    quota: Quota.optional(),
  })
  .strict()
  .openapi('CreateInvite')

export const CreatedInvite = z
  .object({
    id: z.number().int(),
    code: z.string().openapi({ description: 'The invitation code; shown once, stored only as sha256.' }),
    prefix: z.string(),
    role: InviteRole,
    uses: z.number().int(),
    expiresAt: z.string().nullable(),
    limits: LimitsOut,
    quota: z.number().int().nullable(),
    /** Where to send the invitee (relative to the edge): the page for the role, the code in the fragment. */
    link: z.string(),
  })
  .openapi('CreatedInvite')

export const InviteList = z
  .object({
    invites: z.array(
      z.object({
        id: z.number().int(),
        prefix: z.string(),
        role: z.enum(ROLES),
        label: z.string().nullable(),
        uses: z.number().int(),
        used: z.number().int(),
        expiresAt: z.string().nullable(),
        createdAt: z.string(),
        limits: LimitsOut,
        quota: z.number().int().nullable(),
      }),
    ),
  })
  .openapi('InviteList')

export const JoinBody = z
  .object({ code: z.string().min(1).max(200), label: z.string().max(200).optional() })
  .strict()
  .openapi('Join')

export const Joined = CreatedKey.extend({ limits: LimitsOut, quota: z.number().int().nullable() }).openapi('Joined')
