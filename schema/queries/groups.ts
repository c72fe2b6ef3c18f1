/**
 * Groups: store a verified group and its completions for a lease in one transaction, idempotently.
 * The lease row is locked (FOR UPDATE) so two racing submissions serialise: the first stores, the second finds
 * `submitted_hash` set and gets the same group (same body) or a conflict (different body). groups.lease_id is
 * unique as a second guard.
 */
import { asc, eq, sql } from 'drizzle-orm'
import type { Db } from '../pg.js'
import { completions, groups, leases, prompts, type Completion, type Group } from '../schema.js'

export type GroupStatus = Group['status']

export interface NewCompletion {
  text: string
  tokenIds?: number[] | null
  logprobs?: number[] | null
  finishReason?: Completion['finishReason']
  reward: number | null
  details: Record<string, unknown>
}

export interface SubmitGroupArgs {
  leaseId: number
  workerKeyId: number
  /** sha256 of the canonical request body: the idempotency key. */
  bodyHash: string
  policyVersion: number
  status: GroupStatus
  rewardMean: number | null
  rewardStd: number | null
  completions: NewCompletion[]
  flags?: Record<string, unknown>
}

export type SubmitOutcome =
  | { kind: 'created' | 'replayed'; groupId: number }
  | { kind: 'not_found' | 'forbidden' | 'conflict' | 'expired' }

export async function submitGroup(db: Db, args: SubmitGroupArgs): Promise<SubmitOutcome> {
  return db.transaction(async (tx) => {
    const [lease] = await tx
      .select({
        workerKeyId: leases.workerKeyId,
        promptId: leases.promptId,
        taskId: leases.taskId,
        submittedHash: leases.submittedHash,
        groupId: leases.groupId,
        expired: sql<boolean>`${leases.expiresAt} < now()`,
      })
      .from(leases)
      .where(eq(leases.id, args.leaseId))
      .for('update')
    if (!lease) return { kind: 'not_found' }
    if (lease.workerKeyId !== args.workerKeyId) return { kind: 'forbidden' }
    if (lease.submittedHash !== null)
      return lease.submittedHash === args.bodyHash && lease.groupId !== null
        ? { kind: 'replayed', groupId: lease.groupId }
        : { kind: 'conflict' }
    if (lease.expired) return { kind: 'expired' }

    const [group] = await tx
      .insert(groups)
      .values({
        taskId: lease.taskId,
        promptId: lease.promptId,
        leaseId: args.leaseId,
        policyVersion: args.policyVersion,
        status: args.status,
        rewardMean: args.rewardMean,
        rewardStd: args.rewardStd,
        flags: args.flags ?? {},
      })
      .onConflictDoNothing({ target: groups.leaseId })
      .returning({ id: groups.id })
    if (!group) return { kind: 'conflict' }
    await tx.insert(completions).values(
      args.completions.map((c, index) => ({
        groupId: group.id,
        index,
        text: c.text,
        tokenIds: c.tokenIds ?? null,
        logprobs: c.logprobs ?? null,
        finishReason: c.finishReason ?? null,
        reward: c.reward,
        details: c.details,
      })),
    )
    await tx
      .update(leases)
      .set({ submittedHash: args.bodyHash, groupId: group.id })
      .where(eq(leases.id, args.leaseId))
    await tx.update(prompts).set({ leasedUntil: null }).where(eq(prompts.id, lease.promptId))
    return { kind: 'created', groupId: group.id }
  })
}

export interface GroupResult {
  id: number
  status: GroupStatus
  policyVersion: number
  /** Rewards in completion order (null: pending or failed). */
  rewards: (number | null)[]
}

export async function getGroupResult(db: Db, groupId: number): Promise<GroupResult | null> {
  const [group] = await db
    .select({ id: groups.id, status: groups.status, policyVersion: groups.policyVersion })
    .from(groups)
    .where(eq(groups.id, groupId))
  if (!group) return null
  const rs = await db
    .select({ reward: completions.reward })
    .from(completions)
    .where(eq(completions.groupId, groupId))
    .orderBy(asc(completions.index))
  return { ...group, rewards: rs.map((r) => r.reward) }
}
