/**
 * Invitations: an admin makes a code (shown once, sha256 stored) for a role, usable `uses` times until an
 * expiry; `redeemInvite` spends one use and makes the key in one transaction, carrying the invite's limits.
 */
import { and, eq, sql } from 'drizzle-orm'
import { randomToken, sha256Hex } from '../crypto.js'
import type { Db } from '../pg.js'
import { invites, type Invite } from '../schema.js'
import { createKey, type CreatedKey, type KeyLimits, type Role } from './keys.js'

const PREFIX_CHARS = 10

export interface InviteOptions {
  role: Role
  uses: number
  label?: string | null
  expiresAt?: Date | null
  limits?: KeyLimits
  quota?: number | null
}

export interface CreatedInvite {
  id: number
  code: string
  prefix: string
  role: Role
  uses: number
  expiresAt: Date | null
}

export async function createInvite(db: Db, opts: InviteOptions): Promise<CreatedInvite> {
  const code = `ci_${randomToken(24)}`
  const [row] = await db
    .insert(invites)
    .values({
      codeHash: await sha256Hex(code),
      prefix: code.slice(0, PREFIX_CHARS),
      role: opts.role,
      label: opts.label ?? null,
      uses: opts.uses,
      expiresAt: opts.expiresAt ?? null,
      leasesPerMinute: opts.limits?.leasesPerMinute ?? null,
      submissionsPerMinute: opts.limits?.submissionsPerMinute ?? null,
      quota: opts.quota ?? null,
    })
    .returning()
  return { id: row.id, code, prefix: row.prefix, role: row.role, uses: row.uses, expiresAt: row.expiresAt }
}

export type RedeemOutcome = { kind: 'joined'; key: CreatedKey; invite: Invite } | { kind: 'invalid' }

/**
 * Spend one use of the invitation `code` and make a key of its role with its limits and quota. Unknown, used up
 * and expired codes are all 'invalid' (a caller learns nothing about which). Concurrent redeems of the last use:
 * the conditional UPDATE lets exactly one through.
 */
export async function redeemInvite(db: Db, code: string, label?: string): Promise<RedeemOutcome> {
  const codeHash = await sha256Hex(code)
  return db.transaction(async (tx) => {
    const [invite] = await tx
      .update(invites)
      .set({ used: sql`${invites.used} + 1` })
      .where(
        and(
          eq(invites.codeHash, codeHash),
          sql`${invites.used} < ${invites.uses}`,
          sql`(${invites.expiresAt} IS NULL OR ${invites.expiresAt} > now())`,
        ),
      )
      .returning()
    if (!invite) return { kind: 'invalid' } as const
    const key = await createKey(tx, invite.role, {
      label: label ?? invite.label,
      limits: { leasesPerMinute: invite.leasesPerMinute, submissionsPerMinute: invite.submissionsPerMinute },
      quota: invite.quota,
      inviteId: invite.id,
    })
    return { kind: 'joined', key, invite } as const
  })
}

/** Every invitation (never the code). */
export async function listInvites(db: Db): Promise<Invite[]> {
  return db.select().from(invites).orderBy(invites.id)
}
