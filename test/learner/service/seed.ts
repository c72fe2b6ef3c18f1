/**
 * Seed ready groups straight through the queue's own queries (lease a prompt, submit a group), as the edge
 * would store them: a task "arith-<n>" whose prompts are "<a>+<b>=" with answers, one worker key.
 */
import { createKey, createTask, insertPrompts, leasePrompt, submitGroup, type NewCompletion } from '../../../schema/queries/index.js'
import type { Db } from '../../../schema/pg.js'

export interface SeedOptions {
  groups: number
  groupSize?: number
  /** policy version each group claims to come from (default 0, the base model) */
  policyVersion?: number | ((i: number) => number)
  /** completions of group i (default: G one-token texts with rewards alternating 1/0 shifted by i) */
  completions?: (i: number, prompt: string) => NewCompletion[] | Promise<NewCompletion[]>
  task?: string
}

export interface Seeded {
  taskId: number
  groupIds: number[]
}

let tasksMade = 0

export async function seedGroups(db: Db, o: SeedOptions): Promise<Seeded> {
  const G = o.groupSize ?? 4
  const task = await createTask(db, {
    name: o.task ?? `arith-${process.pid}-${tasksMade++}`,
    verifier: { type: 'exact' },
    groupSize: G,
    maxNewTokens: 8,
    temperature: 1,
    topP: 1,
    topK: 0,
    leaseSeconds: 600,
  })
  if (!task) throw new Error('seedGroups: task exists')
  await insertPrompts(
    db,
    task.id,
    Array.from({ length: o.groups }, (_, i) => ({ text: `${i % 10}+${(i * 7) % 10}=`, answer: String((i % 10) + ((i * 7) % 10)) })),
  )
  const worker = await createKey(db, 'worker', 'seed')
  const groupIds: number[] = []
  for (let i = 0; i < o.groups; i++) {
    const lease = await leasePrompt(db, { taskId: task.id, workerKeyId: worker.id, leaseSeconds: 600 })
    if (!lease) throw new Error('seedGroups: no prompt to lease')
    const comps =
      (await o.completions?.(i, lease.text)) ??
      Array.from({ length: G }, (_, k) => ({ text: String(k), tokenIds: [48 + k, 2], reward: (k + i) % 2, details: {} }))
    const rewards = comps.map((c) => c.reward ?? 0)
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length
    const pv = typeof o.policyVersion === 'function' ? o.policyVersion(i) : (o.policyVersion ?? 0)
    const out = await submitGroup(db, {
      leaseId: lease.leaseId,
      workerKeyId: worker.id,
      bodyHash: `seed-${lease.leaseId}`,
      policyVersion: pv,
      status: 'ready',
      rewardMean: mean,
      rewardStd: null,
      completions: comps,
    })
    if (out.kind !== 'created') throw new Error(`seedGroups: ${out.kind}`)
    groupIds.push(out.groupId)
  }
  return { taskId: task.id, groupIds }
}
