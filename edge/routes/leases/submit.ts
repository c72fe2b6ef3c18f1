/**
 * Group submission: check the lease, verify every completion with the task's verifier, store group + completions
 * in one transaction, answer rewards and group-normalised advantages.
 * Idempotency key: sha256 of the canonical body. Same body again → the same group, nothing stored (200);
 * another body for a used lease → 409; expired → 410; unknown → 404; another worker's lease → 403.
 * Verifier verdict → group status: ok → ready, pending → pending (human ratings), error → verify_failed.
 */
import type { z } from '@hono/zod-openapi'
import { groupAdvantages } from '../../../common/advantages.js'
import {
  canonicalJson,
  getGroupResult,
  getLease,
  sha256Hex,
  submitGroup,
  type Db,
  type GroupStatus,
  type LeaseForSubmit,
} from '../../../schema/index.js'
import { ProblemError } from '../../problem.js'
import { scoreGroup } from '../verify/score.js'
import type { SecretSources } from '../verify/secrets.js'
import type { GroupResultSchema, SubmitGroupBody } from './schemas.js'

type Body = z.infer<typeof SubmitGroupBody>
type Result = z.infer<typeof GroupResultSchema>

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

export async function submit(
  db: Db,
  leaseId: number,
  workerKeyId: number,
  body: Body,
  secrets: SecretSources,
): Promise<{ created: boolean; result: Result }> {
  const lease = await getLease(db, leaseId)
  if (!lease) throw new ProblemError(404, `no lease ${leaseId}`)
  if (lease.workerKeyId !== workerKeyId) throw new ProblemError(403, `lease ${leaseId} belongs to another worker`)
  const bodyHash = await sha256Hex(canonicalJson(body))
  if (lease.submittedHash !== null) {
    if (lease.submittedHash !== bodyHash || lease.groupId === null)
      throw new ProblemError(409, `lease ${leaseId} already has a different group`)
    return { created: false, result: await replay(db, lease.groupId, lease) }
  }
  if (lease.expired) throw new ProblemError(410, `lease ${leaseId} expired; take a new lease`)
  checkShape(body, lease)

  const score = await scoreGroup(
    {
      task: lease.task,
      prompt: lease.prompt,
      completions: body.completions.map((c) => ({ text: c.text, tokenCount: c.tokenIds?.length ?? null, ratings: [] })),
    },
    secrets,
  )
  const { status, rewards } = score

  const outcome = await submitGroup(db, {
    leaseId,
    workerKeyId,
    bodyHash,
    policyVersion: body.modelVersion,
    status,
    rewardMean: score.rewardMean,
    rewardStd: score.rewardStd,
    completions: body.completions.map((c, i) => ({
      text: c.text,
      tokenIds: c.tokenIds,
      logprobs: c.logprobs,
      finishReason: c.finishReason,
      reward: rewards[i],
      details: score.details[i],
    })),
  })
  switch (outcome.kind) {
    case 'created':
      return { created: true, result: result(outcome.groupId, status, rewards, lease) }
    case 'replayed':
      return { created: false, result: await replay(db, outcome.groupId, lease) }
    case 'conflict':
      throw new ProblemError(409, `lease ${leaseId} already has a different group`)
    case 'expired':
      throw new ProblemError(410, `lease ${leaseId} expired; take a new lease`)
    case 'forbidden':
      throw new ProblemError(403, `lease ${leaseId} belongs to another worker`)
    case 'not_found':
      throw new ProblemError(404, `no lease ${leaseId}`)
  }
}
