/**
 * Human ratings through app.request() on a real database: role matrix, the quorum flow end to end (human task,
 * quorum 3 → lease → group → pending → 3 raters × G ratings → ready with mean rewards), one rating per rater,
 * rater agreement, and that no rater or worker response ever carries a reference answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { addRating, createKey, rows, type GroupForScoring } from '../../schema/queries/index.js'
import { scoreGroup } from '../../edge/routes/verify/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
/** Three raters for the quorum flow (A and B agree; C contradicts them) and a fourth who comes late. */
let raters: { A: string; B: string; C: string; D: string }
let raterIds: Record<keyof typeof raters, number>
const REF = 'REF-SECRET'
/** Every raw body a worker or rater received (checked for reference answers at the end). */
const seen: string[] = []

async function call(method: string, path: string, key: string, body?: unknown) {
  const res = await t.call(method, path, { key, body })
  const text = await res.text()
  seen.push(text)
  return { status: res.status, text, json: text ? JSON.parse(text) : null, type: res.headers.get('content-type') }
}

/** A human-rated task with G = 4 whose prompts' answers are "REF-SECRET-<i>". */
async function humanTask(name: string, verifier: unknown = { type: 'human', quorum: 3 }) {
  const created = await t.call('POST', '/v1/tasks', { body: { name, verifier, groupSize: 4 } })
  expect(created.status).toBe(201)
  const prompts = Array.from({ length: 5 }, (_, i) => ({ prompt: `Write a haiku about ${i}`, answer: `${REF}-${i}` }))
  expect((await t.call('POST', `/v1/tasks/${name}/prompts`, { body: { prompts } })).status).toBe(201)
}

/** Lease a prompt of `task` and submit four completions "poem k"; returns the submission answer. */
async function submitGroup(task: string) {
  const lease = await call('POST', '/v1/leases', t.keys.worker, { task })
  expect(lease.status).toBe(201)
  const body = { modelVersion: 0, completions: [0, 1, 2, 3].map((k) => ({ text: `${lease.json.prompt.text}: poem ${k}` })) }
  const res = await call('POST', `/v1/leases/${lease.json.leaseId}/group`, t.keys.worker, body)
  return { ...res, lease: lease.json, body }
}

const next = (key: string, task = 'poems') => call('GET', `/v1/ratings/next?task=${task}`, key)
const rate = (key: string, completionId: number, score: number) =>
  call('POST', '/v1/ratings', key, { completionId, score })

beforeAll(async () => {
  t = await testEdge()
  const made = {} as Record<'A' | 'B' | 'C' | 'D', { key: string; id: number }>
  for (const name of ['A', 'B', 'C', 'D'] as const) made[name] = await createKey(t.db, 'rater', name)
  raters = { A: made.A.key, B: made.B.key, C: made.C.key, D: made.D.key }
  raterIds = { A: made.A.id, B: made.B.id, C: made.C.id, D: made.D.id }
  await humanTask('poems')
})
afterAll(() => t?.close())

describe('role matrix', () => {
  it('GET /v1/ratings/next is for raters only', async () => {
    expect((await t.call('GET', '/v1/ratings/next?task=poems', { key: null })).status).toBe(401)
    expect((await t.call('GET', '/v1/ratings/next?task=poems', { key: 'ck_rater_wrong' })).status).toBe(401)
    for (const role of ['admin', 'worker', 'learner'] as const)
      expect((await next(t.keys[role])).status, role).toBe(403)
    expect((await next(t.keys.rater)).status).toBe(204) // nothing submitted yet
  })

  it('POST /v1/ratings is for raters only', async () => {
    for (const role of ['admin', 'worker', 'learner'] as const)
      expect((await rate(t.keys[role], 1, 0.5)).status, role).toBe(403)
    expect((await t.call('POST', '/v1/ratings', { key: null, body: { completionId: 1, score: 1 } })).status).toBe(401)
  })

  it('GET /v1/ratings/raters is for admins only', async () => {
    for (const role of ['worker', 'rater', 'learner'] as const)
      expect((await t.call('GET', '/v1/ratings/raters', { key: t.keys[role] })).status, role).toBe(403)
    expect((await t.call('GET', '/v1/ratings/raters')).status).toBe(200)
  })
})

describe('bad requests', () => {
  it('next: unknown task → 404, missing task → 400, task without a human verifier → 409', async () => {
    await seedTask(t.db, 'arith')
    expect((await next(t.keys.rater, 'nope')).status).toBe(404)
    const missing = await call('GET', '/v1/ratings/next', t.keys.rater)
    expect(missing.status).toBe(400)
    expect(missing.type).toContain('application/problem+json')
    const exact = await next(t.keys.rater, 'arith')
    expect(exact.status).toBe(409)
    expect(exact.json.detail).toMatch(/no human part/)
  })

  it('rate: unknown completion → 404; score outside [0, 1], unknown fields, non-integer id → 400', async () => {
    expect((await rate(t.keys.rater, 999_999, 0.5)).status).toBe(404)
    for (const body of [
      { completionId: 1, score: 1.5 },
      { completionId: 1, score: -0.1 },
      { completionId: 1, score: '1' },
      { completionId: 1.5, score: 1 },
      { completionId: 1, score: 1, rater: 'someone else' },
      { completionId: 1 },
    ]) {
      const res = await call('POST', '/v1/ratings', t.keys.rater, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.type).toContain('application/problem+json')
    }
  })

  it('rate: a completion of a task without human ratings → 409, nothing stored', async () => {
    const lease = await call('POST', '/v1/leases', t.keys.worker, { task: 'arith' })
    const g = await call('POST', `/v1/leases/${lease.json.leaseId}/group`, t.keys.worker, {
      modelVersion: 0,
      completions: [0, 1, 2, 3].map(() => ({ text: 'x' })),
    })
    expect(g.json.status).toBe('ready')
    const [c] = await rows<{ id: number }>(t.db, sql`select id from completions where group_id = ${g.json.groupId} limit 1`)
    const res = await rate(t.keys.rater, Number(c.id), 1)
    expect(res.status).toBe(409)
    const [n] = await rows<{ n: unknown }>(t.db, sql`select count(*) as n from ratings`)
    expect(Number(n.n)).toBe(0)
  })
})

describe('the quorum flow', () => {
  // scores[rater][completion index]: A and B agree, C contradicts them on every completion.
  const scores = { A: [1, 0.75, 0.25, 0], B: [1, 0.75, 0.25, 0], C: [0, 0, 1, 1] }
  // Independent expectation: per-completion means and their Bessel summary, worked by hand.
  const means = [2 / 3, 0.5, 0.5, 1 / 3]
  let groupId: number
  let submitted: Awaited<ReturnType<typeof submitGroup>>

  it('a submitted group of a human task waits: pending, no rewards, no advantages', async () => {
    submitted = await submitGroup('poems')
    expect(submitted.status).toBe(201)
    expect(submitted.json).toMatchObject({ status: 'pending', rewards: [null, null, null, null], advantages: null })
    groupId = submitted.json.groupId
    const [g] = await rows<any>(t.db, sql`select status, reward_mean from groups where id = ${groupId}`)
    expect(g).toEqual({ status: 'pending', reward_mean: null })
  })

  it('next serves prompt + completion text (no reference), closest to quorum first, never twice to a rater', async () => {
    const first = await next(raters.A)
    expect(first.status).toBe(200)
    expect(first.json).toMatchObject({
      task: 'poems',
      groupId,
      prompt: { text: submitted.lease.prompt.text },
      completion: { index: 0, text: submitted.body.completions[0].text },
      ratings: { count: 0, quorum: 3 },
    })
    const id0 = first.json.completionId
    const r = await rate(raters.A, id0, scores.A[0])
    expect(r.status).toBe(201)
    expect(r.json).toEqual({ completionId: id0, ratings: 1, quorum: 3, group: { id: groupId, status: 'pending' } })
    // B is steered to the completion closest to its quorum: the one A just rated.
    const forB = await next(raters.B)
    expect(forB.json).toMatchObject({ completionId: id0, ratings: { count: 1 } })
    // A never sees it again.
    const forA = await next(raters.A)
    expect(forA.json.completionId).not.toBe(id0)
    expect(forA.json.completion.index).toBe(1)
  })

  it('the same rater twice → 409, and the rating is not counted', async () => {
    const [c0] = await rows<{ id: number }>(t.db, sql`select id from completions where group_id = ${groupId} and index = 0`)
    const again = await rate(raters.A, Number(c0.id), 0)
    expect(again.status).toBe(409)
    expect(again.json.detail).toMatch(/already rated/)
    const [n] = await rows<{ n: unknown }>(t.db, sql`select count(*) as n from ratings where completion_id = ${c0.id}`)
    expect(Number(n.n)).toBe(1)
  })

  it('3 raters × G ratings: pending until the last one, which flips the group to ready with mean rewards', async () => {
    const statuses: string[] = []
    for (const name of ['A', 'B', 'C'] as const) {
      for (;;) {
        const item = await next(raters[name])
        if (item.status === 204) break
        expect(item.status).toBe(200)
        const res = await rate(raters[name], item.json.completionId, scores[name][item.json.completion.index])
        expect(res.status).toBe(201)
        statuses.push(res.json.group.status)
      }
    }
    expect(statuses).toHaveLength(11) // 12 ratings, the first one given above
    expect(statuses.slice(0, -1).every((s) => s === 'pending')).toBe(true)
    expect(statuses.at(-1)).toBe('ready')

    const [g] = await rows<any>(t.db, sql`select status, reward_mean, reward_std from groups where id = ${groupId}`)
    expect(g.status).toBe('ready')
    expect(g.reward_mean).toBeCloseTo(0.5, 12)
    expect(g.reward_std).toBeCloseTo(Math.sqrt(1 / 54), 12) // deviations ±1/6, 0, 0: ss = 1/18, /(4−1)
    const cs = await rows<any>(t.db, sql`select reward, details from completions where group_id = ${groupId} order by index`)
    cs.forEach((c, i) => expect(c.reward).toBeCloseTo(means[i], 12))
    expect(cs[0].details).toMatchObject({ status: 'ok', reason: expect.stringMatching(/mean of 3 ratings; 1 rater/) })
  })

  it('after quorum nobody is served the group, and late ratings → 409', async () => {
    expect((await next(raters.D)).status).toBe(204)
    const [c0] = await rows<{ id: number }>(t.db, sql`select id from completions where group_id = ${groupId} and index = 0`)
    const late = await rate(raters.D, Number(c0.id), 1)
    expect(late.status).toBe(409)
    expect(late.json.detail).toMatch(/group is ready/)
  })

  it("the worker's replay of the same submission now answers the rewards and advantages", async () => {
    const again = await call('POST', `/v1/leases/${submitted.lease.leaseId}/group`, t.keys.worker, submitted.body)
    expect(again.status).toBe(200)
    expect(again.json.status).toBe('ready')
    again.json.rewards.forEach((r: number, i: number) => expect(r).toBeCloseTo(means[i], 6))
    const a = (1 / 6) / (Math.sqrt(1 / 54) + 1e-4)
    ;[a, 0, 0, -a].forEach((x, i) => expect(again.json.advantages[i]).toBeCloseTo(x, 5))
  })

  it('GET /v1/ratings/raters flags the rater at odds with the consensus', async () => {
    const res = await t.call('GET', '/v1/ratings/raters?task=poems')
    expect(res.status).toBe(200)
    const body = (await res.json()) as any
    const by = Object.fromEntries(body.raters.map((r: any) => [r.label, r]))
    // C's leave-one-out deviation is 1, 0.75, 0.75, 1 (> 0.5); A's and B's at most exactly 0.5 (not above).
    expect(by.C).toMatchObject({ ratings: 4, compared: 4, disagreements: 4, disagreementRate: 1, flagged: true })
    expect(by.A).toMatchObject({ ratings: 4, compared: 4, disagreements: 0, flagged: false, meanScore: 0.5 })
    expect(by.B).toMatchObject({ disagreements: 0, flagged: false })
    expect(by.D).toMatchObject({ ratings: 0, compared: 0, flagged: false, disagreementRate: null })
    expect(body.rule).toMatch(/outlierThreshold/)
    expect((await t.call('GET', '/v1/ratings/raters?task=nope')).status).toBe(404)
  })
})

describe('a weighted spec with a human part', () => {
  it('scores the other parts at quorum too: reward = 0.5·mean rating + 0.5·format', async () => {
    await humanTask('mixed', {
      type: 'weighted',
      parts: [
        { weight: 1, verifier: { type: 'human', quorum: 1 } },
        { weight: 1, name: 'has_poem', verifier: { type: 'regex', pattern: 'poem [02]', mode: 'match' } },
      ],
    })
    const g = await submitGroup('mixed')
    expect(g.json.status).toBe('pending')
    const given = [0.5, 1, 0, 0.25]
    for (;;) {
      const item = await next(raters.D, 'mixed')
      if (item.status === 204) break
      expect((await rate(raters.D, item.json.completionId, given[item.json.completion.index])).status).toBe(201)
    }
    const cs = await rows<any>(t.db, sql`select reward, details from completions where group_id = ${g.json.groupId} order by index`)
    const regex = [1, 0, 1, 0]
    cs.forEach((c, i) => expect(c.reward).toBeCloseTo(0.5 * given[i] + 0.5 * regex[i], 12))
    expect(cs[1].details.parts).toEqual({ human: 1, has_poem: 0 })
    const [row] = await rows<any>(t.db, sql`select status from groups where id = ${g.json.groupId}`)
    expect(row.status).toBe('ready')
  })
})

describe('concurrency', () => {
  it('two last ratings racing on different completions flip the group exactly once', async () => {
    await humanTask('race', { type: 'human', quorum: 1 })
    const g = await submitGroup('race')
    const ids = (await rows<{ id: number }>(t.db, sql`select id from completions where group_id = ${g.json.groupId} order by index`)).map((r) => Number(r.id))
    expect((await rate(raters.A, ids[0], 1)).status).toBe(201)
    expect((await rate(raters.A, ids[1], 1)).status).toBe(201)
    // The first rating dawdles between reading the group and committing: without the group lock the second would
    // read the group meanwhile, miss the first's rating, and the group would stay pending for ever.
    const settle = (delayMs: number) => async (group: GroupForScoring) => {
      await new Promise((r) => setTimeout(r, delayMs))
      return group.completions.every((c) => c.ratings.length >= 1) ? scoreGroup(group, []) : null
    }
    const [first, second] = await Promise.all([
      addRating(t.db, { completionId: ids[2], raterKeyId: raterIds.A, score: 0 }, settle(300)),
      new Promise((r) => setTimeout(r, 50)).then(() =>
        addRating(t.db, { completionId: ids[3], raterKeyId: raterIds.B, score: 0 }, settle(0)),
      ),
    ])
    expect(first).toMatchObject({ kind: 'rated', groupStatus: 'pending' })
    expect(second).toMatchObject({ kind: 'rated', groupStatus: 'ready' })
    const [row] = await rows<any>(t.db, sql`select status, reward_mean from groups where id = ${g.json.groupId}`)
    expect(row).toEqual({ status: 'ready', reward_mean: 0.5 })
  })
})

describe('what the rating page asks', () => {
  it('skip passes over completions; /ratings/tasks lists human tasks; /ratings/me counts and compares', async () => {
    await humanTask('skips', { type: 'human', quorum: 3 })
    await submitGroup('skips')
    const first = await next(raters.D, 'skips')
    const second = await call('GET', `/v1/ratings/next?task=skips&skip=${first.json.completionId}`, raters.D)
    expect(second.json.completionId).not.toBe(first.json.completionId)
    const all = (await rows<{ id: number }>(t.db, sql`select c.id from completions c join groups g on g.id = c.group_id join tasks t on t.id = g.task_id where t.name = 'skips'`)).map((r) => r.id)
    expect((await call('GET', `/v1/ratings/next?task=skips&skip=${all.join(',')}`, raters.D)).status).toBe(204)
    expect((await call('GET', '/v1/ratings/next?task=skips&skip=1;drop', raters.D)).status).toBe(400)

    const tasks = await call('GET', '/v1/ratings/tasks', raters.D)
    expect(tasks.json.tasks).toEqual(expect.arrayContaining([{ name: 'poems', quorum: 3 }, { name: 'skips', quorum: 3 }]))
    expect(tasks.json.tasks.every((x: any) => x.name !== 'arith')).toBe(true)

    const before = await call('GET', '/v1/ratings/me?task=skips', raters.D)
    expect(before.json).toEqual({ task: 'skips', ratings: 0, compared: 0, agreed: 0, agreementRate: null, flagged: false })
    // A, B and D rate it alike: D's rating is compared with the other two and agrees
    const id = first.json.completionId
    expect((await rate(raters.A, id, 1)).status).toBe(201)
    expect((await rate(raters.B, id, 0.9)).status).toBe(201)
    expect((await rate(raters.D, id, 0.95)).status).toBe(201)
    const me = await call('GET', '/v1/ratings/me?task=skips', raters.D)
    expect(me.json).toMatchObject({ ratings: 1, compared: 1, agreed: 1, agreementRate: 1 })
    expect((await call('GET', '/v1/ratings/me?task=skips', t.keys.worker)).status).toBe(403)
  })
})

describe('secrecy', () => {
  it('no response to a worker or rater carried a reference answer', () => {
    expect(seen.length).toBeGreaterThan(40)
    for (const body of seen) expect(body).not.toContain(REF)
  })
})
