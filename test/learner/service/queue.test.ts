/** The learner's queue queries on a real database (local Postgres when reachable, else PGlite). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { openDatabase, type OpenDatabase } from '../../../schema/db.js'
import {
  ClaimLostError,
  claimReadyGroups,
  completeStep,
  flagGroup,
  getTrainStep,
  groupsTrainedAt,
  lastCommittedStep,
  loadGroups,
  markStale,
  publishVersion,
  queueDepth,
  releaseClaims,
  releaseExpiredClaims,
  renewClaims,
  rows,
  stats,
} from '../../../schema/queries/index.js'
import { freshDatabase, type TestDatabase } from '../../helpers/db.js'
import { seedGroups } from './seed.js'

let t: TestDatabase
beforeAll(async () => {
  t = await freshDatabase()
})
afterAll(() => t?.drop())

const statusOf = async (ids: number[]) =>
  (await rows<{ id: number; status: string }>(t.db, sql`select id, status from groups where id in ${ids} order by id`)).map(
    (r) => r.status,
  )
const drain = async (db: OpenDatabase['db'], owner: string, limit = 3) => {
  const got: number[] = []
  for (;;) {
    const c = await claimReadyGroups(db, { owner, limit, claimTtlMs: 60_000 })
    if (c.length === 0) return got
    got.push(...c.map((g) => g.id))
  }
}

describe('claimReadyGroups', () => {
  it('claims the oldest ready groups, sets owner and expiry, and never hands them out twice', async () => {
    const { groupIds, taskId } = await seedGroups(t.db, { groups: 5 })
    const before = Date.now()
    const a = await claimReadyGroups(t.db, { owner: 'A', limit: 3, claimTtlMs: 60_000, taskIds: [taskId] })
    expect(a.map((g) => g.id)).toEqual(groupIds.slice(0, 3))
    expect(a[0].claimExpiresAt.getTime()).toBeGreaterThan(before + 50_000)
    const b = await claimReadyGroups(t.db, { owner: 'B', limit: 10, claimTtlMs: 60_000, taskIds: [taskId] })
    expect(b.map((g) => g.id)).toEqual(groupIds.slice(3))
    const owners = await rows<{ claimed_by: string }>(t.db, sql`select claimed_by from groups where id in ${groupIds} order by id`)
    expect(owners.map((o) => o.claimed_by)).toEqual(['A', 'A', 'A', 'B', 'B'])
    expect(await claimReadyGroups(t.db, { owner: 'C', limit: 10, claimTtlMs: 1000, taskIds: [taskId] })).toEqual([])
    await releaseClaims(t.db, { owner: 'A' })
    await releaseClaims(t.db, { owner: 'B' })
  })

  it('rejects a non-positive limit or ttl', async () => {
    await expect(claimReadyGroups(t.db, { owner: 'A', limit: 0, claimTtlMs: 1 })).rejects.toThrow(/limit/)
    await expect(claimReadyGroups(t.db, { owner: 'A', limit: 1, claimTtlMs: 0 })).rejects.toThrow(/claimTtlMs/)
  })

  it('two concurrent claimers on separate connections never get the same group (SKIP LOCKED)', async (ctx) => {
    if (!t.url) ctx.skip() // PGlite is one serialized session: nothing concurrent to test
    await drain(t.db, 'sweep') // earlier tests' leftovers out of the way
    const { groupIds } = await seedGroups(t.db, { groups: 60, groupSize: 2 })
    const one = await openDatabase({ databaseUrl: t.url!, max: 4 })
    const two = await openDatabase({ databaseUrl: t.url!, max: 4 })
    try {
      const [x, y, z, w] = await Promise.all([drain(one.db, 'X'), drain(two.db, 'Y'), drain(one.db, 'Z'), drain(two.db, 'W')])
      const all = [...x, ...y, ...z, ...w]
      expect(new Set(all).size).toBe(all.length) // disjoint
      expect(all.sort((p, q) => p - q)).toEqual(groupIds)
      expect([x, y, z, w].filter((c) => c.length > 0).length).toBeGreaterThan(1) // they really ran side by side
    } finally {
      await one.close()
      await two.close()
    }
  })
})

describe('claim expiry', () => {
  it('expired claims return to the queue; the late owner can then neither renew nor complete', async () => {
    await drain(t.db, 'sweep')
    const { groupIds } = await seedGroups(t.db, { groups: 2 })
    const a = await claimReadyGroups(t.db, { owner: 'slow', limit: 2, claimTtlMs: 1 })
    expect(a.map((g) => g.id)).toEqual(groupIds)
    await new Promise((r) => setTimeout(r, 30))
    expect(await releaseExpiredClaims(t.db)).toBe(2)
    expect(await statusOf(groupIds)).toEqual(['ready', 'ready'])
    const b = await claimReadyGroups(t.db, { owner: 'fast', limit: 2, claimTtlMs: 60_000 })
    expect(b.map((g) => g.id)).toEqual(groupIds)
    expect(await renewClaims(t.db, { owner: 'slow', groupIds, claimTtlMs: 60_000 })).toBe(0)
    expect(await renewClaims(t.db, { owner: 'fast', groupIds, claimTtlMs: 60_000 })).toBe(2)
    const err = await completeStep(t.db, { owner: 'slow', groupIds, step: 901, policyVersion: 0, metrics: {} }).catch((e) => e)
    expect(err).toBeInstanceOf(ClaimLostError)
    expect(await getTrainStep(t.db, 901)).toBeNull()
    expect(await releaseClaims(t.db, { owner: 'fast', groupIds })).toBe(2)
  })

  it('live claims are not released', async () => {
    await drain(t.db, 'sweep')
    await seedGroups(t.db, { groups: 1 })
    await claimReadyGroups(t.db, { owner: 'alive', limit: 1, claimTtlMs: 60_000 })
    expect(await releaseExpiredClaims(t.db)).toBe(0)
    expect(await releaseClaims(t.db, { owner: 'alive' })).toBe(1)
  })
})

describe('completeStep', () => {
  it('marks the groups trained and writes the step row in one go, exactly once', async () => {
    await drain(t.db, 'sweep')
    const { groupIds } = await seedGroups(t.db, { groups: 3 })
    await claimReadyGroups(t.db, { owner: 'L', limit: 3, claimTtlMs: 60_000 })
    const metrics = { reward: 0.5, kl: 0.01 }
    await completeStep(t.db, { owner: 'L', groupIds, step: 7, policyVersion: 2, metrics })
    expect(await statusOf(groupIds)).toEqual(['trained', 'trained', 'trained'])
    expect(await groupsTrainedAt(t.db, 7)).toEqual(groupIds)
    expect(await getTrainStep(t.db, 7)).toMatchObject({ step: 7, policyVersion: 2, groupCount: 3, metrics })
    expect(await lastCommittedStep(t.db)).toBe(7)
    // the same step again (a retry after a crash, a second learner): refused, nothing written
    await expect(completeStep(t.db, { owner: 'L', groupIds, step: 8, policyVersion: 2, metrics })).rejects.toBeInstanceOf(
      ClaimLostError,
    )
    expect(await getTrainStep(t.db, 8)).toBeNull()
    expect(await groupsTrainedAt(t.db, 7)).toEqual(groupIds)
  })

  it('one lost group rolls back the whole step (no group of it is marked)', async () => {
    await drain(t.db, 'sweep')
    const { groupIds } = await seedGroups(t.db, { groups: 3 })
    await claimReadyGroups(t.db, { owner: 'M', limit: 3, claimTtlMs: 60_000 })
    await releaseClaims(t.db, { owner: 'M', groupIds: [groupIds[1]] })
    const err = await completeStep(t.db, { owner: 'M', groupIds, step: 20, policyVersion: 0, metrics: {} }).catch((e) => e)
    expect(err).toBeInstanceOf(ClaimLostError)
    expect((err as ClaimLostError).lost).toEqual([groupIds[1]])
    expect(await statusOf(groupIds)).toEqual(['claimed', 'ready', 'claimed'])
    expect(await getTrainStep(t.db, 20)).toBeNull()
    await releaseClaims(t.db, { owner: 'M' })
  })
})

describe('markStale and flagGroup', () => {
  it('marks old ready groups and this owner’s listed claims stale, kept and counted', async () => {
    await drain(t.db, 'sweep')
    const { groupIds, taskId } = await seedGroups(t.db, { groups: 4, policyVersion: (i) => i })
    const claimed = await claimReadyGroups(t.db, { owner: 'S', limit: 1, claimTtlMs: 60_000 }) // the v0 group
    expect(claimed[0].id).toBe(groupIds[0])
    const stale = await markStale(t.db, { minPolicyVersion: 2, owner: 'S', groupIds: [groupIds[0]] })
    expect(stale).toEqual(groupIds.slice(0, 2))
    expect(await statusOf(groupIds)).toEqual(['stale', 'stale', 'ready', 'ready'])
    const s = await stats(t.db, taskId)
    expect(s.groups.stale).toBe(2)
    const [flags] = await rows<{ flags: any }>(t.db, sql`select flags from groups where id = ${groupIds[1]}`)
    expect(flags.flags).toEqual({ stale: { minPolicyVersion: 2 } })
    // another owner's claim is not touched
    await claimReadyGroups(t.db, { owner: 'T', limit: 1, claimTtlMs: 60_000 })
    expect(await markStale(t.db, { minPolicyVersion: 10, owner: 'S', groupIds: [groupIds[2]] })).toEqual([groupIds[3]])
    expect(await statusOf(groupIds)).toEqual(['stale', 'stale', 'claimed', 'stale'])
    await releaseClaims(t.db, { owner: 'T' })
  })

  it('flags a claimed group as discarded with its reason; not someone else’s', async () => {
    await drain(t.db, 'sweep')
    const { groupIds } = await seedGroups(t.db, { groups: 1 })
    await claimReadyGroups(t.db, { owner: 'F', limit: 1, claimTtlMs: 60_000 })
    expect(await flagGroup(t.db, { owner: 'G', groupId: groupIds[0], reason: 'logprob_mismatch', details: {} })).toBe(false)
    const details = { maxAbsDiff: 0.7, tolerance: 0.05, completion: 2 }
    expect(await flagGroup(t.db, { owner: 'F', groupId: groupIds[0], reason: 'logprob_mismatch', details })).toBe(true)
    expect(await statusOf(groupIds)).toEqual(['discarded'])
    const [row] = await rows<{ flags: any }>(t.db, sql`select flags from groups where id = ${groupIds[0]}`)
    expect(row.flags).toEqual({ logprob_mismatch: details })
  })
})

describe('loadGroups, queueDepth, publishVersion', () => {
  it('loads prompt, task settings and completions in order', async () => {
    await drain(t.db, 'sweep')
    const { groupIds } = await seedGroups(t.db, {
      groups: 2,
      groupSize: 2,
      completions: (i) => [
        { text: 'x', tokenIds: [1, 2], logprobs: [-0.5, -0.25], finishReason: 'stop', reward: i, details: {} },
        { text: 'y', tokenIds: [3], logprobs: null, finishReason: 'length', reward: 1, details: {} },
      ],
    })
    expect(await queueDepth(t.db)).toBe(2)
    const [g0, g1] = await loadGroups(t.db, [groupIds[1], groupIds[0]])
    expect(g0.id).toBe(groupIds[1])
    expect([g0.promptText, g1.promptText].sort()).toEqual(['0+0=', '1+7='])
    expect(g0.task).toMatchObject({ scaleRewards: 'group', temperature: 1, maxNewTokens: 8 })
    expect(g0.completions).toEqual([
      { index: 0, tokenIds: [1, 2], logprobs: [-0.5, -0.25], finishReason: 'stop', reward: 1 },
      { index: 1, tokenIds: [3], logprobs: null, finishReason: 'length', reward: 1 },
    ])
    await expect(loadGroups(t.db, [999999])).rejects.toThrow(/no group 999999/)
  })

  it('numbers versions from 0 and does not duplicate a retried publish', async () => {
    const files = { 'config.json': { sha256: 'ab', bytes: 2 } }
    const v0 = await publishVersion(t.db, { step: 0, artifactUri: 'file:///x/a', sha256: 'a', files })
    const v1 = await publishVersion(t.db, { step: 5, artifactUri: 'file:///x/b', sha256: 'b', files })
    const again = await publishVersion(t.db, { step: 5, artifactUri: 'file:///x/b', sha256: 'b', files })
    expect([v0.version, v1.version, again.version]).toEqual([0, 1, 1])
    expect(again.id).toBe(v1.id)
  })
})
