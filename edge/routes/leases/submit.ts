/**
 * Group submission, for one lease or many at once: check each lease, verify every completion with the task's
 * verifier, store all accepted groups in ONE statement (storeGroups), answer rewards and group-normalised
 * advantages per group. Each group is decided on its own:
 *   stored 201 · the same submission again → the same group, nothing stored (200) · another submission for a
 *   used lease 409 · expired 410 · unknown 404 · another worker's lease 403 · wrong shape 400.
 * Idempotency key (submissionHash): sha256 over the model version, texts, finish reasons and the packed token
 * ids / log-probs — the bytes that are stored — rather than a re-serialisation of the whole body.
 * Verifier verdict → group status: ok → ready, pending → pending (human ratings), error → verify_failed.
 */
import type { z } from '@hono/zod-openapi'
import { groupAdvantages } from '../../../common/advantages.js'
import {
  getGroupResult,
  getLeases,
  packFloat32,
  packInt32,
  sha256Hex,
  storeGroups,
  type Db,
  type GroupStatus,
  type LeaseForSubmit,
  type StoreGroupItem,
} from '../../../schema/index.js'
import { ProblemError } from '../../problem.js'
import { scoreGroup } from '../verify/score.js'
import type { SecretSources } from '../verify/secrets.js'
import type { GroupResultSchema, SubmitGroupBody } from './schemas.js'

type Body = z.infer<typeof SubmitGroupBody>
type Result = z.infer<typeof GroupResultSchema>

export interface SubmitItem {
  leaseId: number
  body: Body
}

/** A group's outcome: stored (201), replayed (200) or refused (a problem with its status). */
export type SubmitOutcome = { leaseId: number; created: boolean; result: Result } | { leaseId: number; problem: ProblemError }

/** Rewards and advantages as answered to the worker (advantages only once every reward is in). */
function result(groupId: number, status: GroupStatus, rewards: (number | null)[], lease: LeaseForSubmit): Result {
  const scored = rewards.every((r): r is number => r !== null)
  const scale = lease.task.scaleRewards === 'none' ? 'none' : 'group' // 'batch' has no batch at the edge
  return { groupId, status, rewards, advantages: scored ? groupAdvantages(rewards, scale) : null }
}

async function replay(db: Db, groupId: number, lease: LeaseForSubmit): Promise<Result> {
  const g = await getGroupResult(db, groupId)
  if (!g) throw new Error(`lease ${lease.id} points at missing group ${groupId}`)
  return result(g.id, g.status, g.rewards, lease)
}

/** sha256 of what a submission stores: a small JSON head (version, texts, finish reasons, lengths) + packed arrays. */
export async function submissionHash(body: Body): Promise<string> {
  const head = new TextEncoder().encode(
    JSON.stringify([
      body.modelVersion,
      body.completions.map((c) => [c.text, c.finishReason ?? null, c.tokenIds?.length ?? null, c.logprobs?.length ?? null]),
    ]),
  )
  const parts: Uint8Array[] = [head]
  for (const c of body.completions) {
    if (c.tokenIds) parts.push(packInt32(c.tokenIds))
    if (c.logprobs) parts.push(packFloat32(c.logprobs))
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    all.set(p, at)
    at += p.byteLength
  }
  return `v2:${await sha256Hex(all)}`
}

function checkShape(body: Body, lease: LeaseForSubmit) {
  const { task } = lease
  if (body.completions.length !== task.groupSize)
    throw new ProblemError(
      400,
      `task "${task.name}" takes groups of ${task.groupSize} completions; got ${body.completions.length}`,
    )
  body.completions.forEach((c, i) => {
    if (c.tokenIds && c.tokenIds.length > task.maxNewTokens)
      throw new ProblemError(
        400,
        `completions.${i}.tokenIds has ${c.tokenIds.length} tokens; task "${task.name}" allows ${task.maxNewTokens}`,
      )
  })
}

const refusal = {
  not_found: (id: number) => new ProblemError(404, `no lease ${id}`),
  forbidden: (id: number) => new ProblemError(403, `lease ${id} belongs to another worker`),
  conflict: (id: number) => new ProblemError(409, `lease ${id} already has a different group`),
  expired: (id: number) => new ProblemError(410, `lease ${id} expired; take a new lease`),
}

/** Submit the groups of several leases of one worker; outcomes in input order (lease ids must be distinct). */
export async function submitMany(db: Db, workerKeyId: number, items: SubmitItem[], secrets: SecretSources): Promise<SubmitOutcome[]> {
  const leases = await getLeases(db, items.map((i) => i.leaseId))
  const outcomes: SubmitOutcome[] = new Array(items.length)
  const toStore: { at: number; lease: LeaseForSubmit; store: StoreGroupItem; rewards: (number | null)[] }[] = []
  await Promise.all(
    items.map(async ({ leaseId, body }, at) => {
      try {
        const lease = leases.get(leaseId)
        if (!lease) throw refusal.not_found(leaseId)
        if (lease.workerKeyId !== workerKeyId) throw refusal.forbidden(leaseId)
        const bodyHash = await submissionHash(body)
        if (lease.submittedHash !== null) {
          if (lease.submittedHash !== bodyHash || lease.groupId === null) throw refusal.conflict(leaseId)
          outcomes[at] = { leaseId, created: false, result: await replay(db, lease.groupId, lease) }
          return
        }
        if (lease.expired) throw refusal.expired(leaseId)
        checkShape(body, lease)
        const score = await scoreGroup(
          {
            task: lease.task,
            prompt: lease.prompt,
            completions: body.completions.map((c) => ({ text: c.text, tokenCount: c.tokenIds?.length ?? null, ratings: [] })),
          },
          secrets,
        )
        toStore.push({
          at,
          lease,
          rewards: score.rewards,
          store: {
            leaseId,
            bodyHash,
            policyVersion: body.modelVersion,
            status: score.status,
            rewardMean: score.rewardMean,
            rewardStd: score.rewardStd,
            completions: body.completions.map((c, i) => ({
              text: c.text,
              tokenIds: c.tokenIds,
              logprobs: c.logprobs,
              finishReason: c.finishReason,
              reward: score.rewards[i],
              details: score.details[i],
            })),
          },
        })
      } catch (err) {
        if (!(err instanceof ProblemError)) throw err
        outcomes[at] = { leaseId, problem: err }
      }
    }),
  )
  const stored = await storeGroups(db, workerKeyId, toStore.map((s) => s.store))
  await Promise.all(
    stored.map(async (out, k) => {
      const { at, lease, store, rewards } = toStore[k]
      const leaseId = store.leaseId
      if (out.kind === 'created') outcomes[at] = { leaseId, created: true, result: result(out.groupId, store.status, rewards, lease) }
      else if (out.kind === 'replayed') outcomes[at] = { leaseId, created: false, result: await replay(db, out.groupId, lease) }
      else outcomes[at] = { leaseId, problem: refusal[out.kind](leaseId) }
    }),
  )
  return outcomes
}

/** Submit one lease's group; a refusal is thrown as its problem. */
export async function submit(db: Db, leaseId: number, workerKeyId: number, body: Body, secrets: SecretSources) {
  const [out] = await submitMany(db, workerKeyId, [{ leaseId, body }], secrets)
  if ('problem' in out) throw out.problem
  return out
}
