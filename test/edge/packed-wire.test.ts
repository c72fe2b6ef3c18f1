/**
 * The compact encoding of token ids / log-probs (base64 of little-endian int32 / float32) on POST
 * /v1/leases/{id}/group and /v1/groups: stored as sent, the same submission as the JSON-array encoding of the same
 * values (replay 200, not 409), and refused (400, nothing stored) unless canonical and valid. The expected bytes
 * are written here with Buffer's own little-endian writers, not with the codec under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { EdgeClient } from '../../learner/rollout/client.js'
import { rows } from '../../schema/queries/index.js'
import { seedTask, testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
  await seedTask(t.db, 'arith', { groupSize: 2, prompts: 40 })
})
afterAll(() => t?.close())

const i32 = (xs: number[]) => {
  const b = Buffer.alloc(xs.length * 4)
  xs.forEach((x, i) => b.writeInt32LE(x, i * 4))
  return b
}
const f32 = (xs: number[]) => {
  const b = Buffer.alloc(xs.length * 4)
  xs.forEach((x, i) => b.writeFloatLE(x, i * 4))
  return b
}
const b64 = (b: Buffer) => b.toString('base64')

const lease = async () =>
  (await (await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task: 'arith' } })).json()) as {
    leaseId: number
    prompt: { text: string }
  }
const submit = (leaseId: number, body: unknown) => t.call('POST', `/v1/leases/${leaseId}/group`, { key: t.keys.worker, body })
const group = (answer: string, c0: Record<string, unknown>) => ({
  modelVersion: 3,
  completions: [{ text: answer, finishReason: 'stop', ...c0 }, { text: 'nope' }],
})
const storedHex = async (leaseId: number) =>
  rows<{ t: string | null; l: string | null }>(
    t.db,
    sql`select encode(c.token_ids, 'hex') as t, encode(c.logprobs, 'hex') as l
        from completions c join groups g on g.id = c.group_id where g.lease_id = ${leaseId} order by c.index`,
  )
const groupsOf = async (leaseId: number) => Number((await rows<{ n: unknown }>(t.db, sql`select count(*) as n from groups where lease_id = ${leaseId}`))[0].n)

// -0.1 is not a float32: the array encoding rounds it to fround(-0.1), which is what base64 carries exactly
const IDS = [5, 151_642, 0]
const LPS = [-0.1, -1.25, -30]

describe('base64 token ids and log-probs', () => {
  it('stores the bytes as sent; verifies and answers as with arrays', async () => {
    const l = await lease()
    const res = await submit(l.leaseId, group('a' + l.prompt.text.slice(1), { tokenIds: b64(i32(IDS)), logprobs: b64(f32(LPS)) }))
    expect(res.status).toBe(201)
    const out = (await res.json()) as any
    expect(out.rewards).toEqual([1, 0])
    const [c0, c1] = await storedHex(l.leaseId)
    expect(c0).toEqual({ t: i32(IDS).toString('hex'), l: f32(LPS).toString('hex') })
    expect(c1).toEqual({ t: null, l: null })
  })

  it('either encoding of the same values is the same submission: replay 200 with the same group, nothing stored', async () => {
    for (const [first, second] of [
      [{ tokenIds: b64(i32(IDS)), logprobs: b64(f32(LPS)) }, { tokenIds: IDS, logprobs: LPS }],
      [{ tokenIds: IDS, logprobs: LPS }, { tokenIds: b64(i32(IDS)), logprobs: b64(f32(LPS)) }],
      [{ tokenIds: IDS, logprobs: b64(f32(LPS)) }, { tokenIds: b64(i32(IDS)), logprobs: LPS }],
    ]) {
      const l = await lease()
      const a = await submit(l.leaseId, group('x', first))
      expect(a.status).toBe(201)
      const b = await submit(l.leaseId, group('x', second))
      expect(b.status).toBe(200)
      expect(await b.json()).toEqual(await a.json())
      expect(await groupsOf(l.leaseId)).toBe(1)
    }
  })

  it('a different value in base64 on a used lease is a conflict (409)', async () => {
    const l = await lease()
    expect((await submit(l.leaseId, group('x', { tokenIds: b64(i32(IDS)) }))).status).toBe(201)
    expect((await submit(l.leaseId, group('x', { tokenIds: b64(i32([5, 151_642, 1])) }))).status).toBe(409)
  })

  it('400 naming the field, nothing stored, for non-canonical base64 and bad values; the lease stays usable', async () => {
    const l = await lease()
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ tokenIds: 'BQAAAA' }, /tokenIds: not standard base64/], // padding left off
      [{ tokenIds: 'BQAA AA==' }, /tokenIds: not standard base64/],
      [{ tokenIds: b64(i32([0x00bffffb])).replace(/\+/g, '-').replace(/\//g, '_') }, /not standard base64/], // URL-safe alphabet
      [{ tokenIds: 'BQF=' }, /tokenIds: not standard base64/], // non-zero trailing bits
      [{ tokenIds: b64(Buffer.from([1, 0, 0, 0, 2, 0])) }, /6 bytes is not a whole number/],
      [{ tokenIds: b64(i32([3, -7])) }, /tokenIds: value 1 must be an int32 ≥ 0/],
      [{ tokenIds: b64(i32([3, 4])), logprobs: b64(f32([-1, 0.5])) }, /logprobs: value 1 must be a finite float32 ≤ 0/],
      [{ tokenIds: b64(i32([3, 4])), logprobs: b64(f32([NaN, -1])) }, /logprobs: value 0 must be/],
      [{ tokenIds: b64(i32([3, 4])), logprobs: b64(f32([-1, -Infinity])) }, /logprobs: value 1 must be/],
      [{ tokenIds: [3, 4], logprobs: [-1, -1e39] }, /logprobs: value 1 must be a finite float32 ≤ 0 \(as stored\)/], // rounds to -Inf
      [{ tokenIds: b64(i32([3, 4, 5])), logprobs: b64(f32([-1, -2])) }, /logprobs has 2 entries but tokenIds has 3/],
      [{ tokenIds: b64(i32(Array.from({ length: 65 }, () => 1))) }, /has 65 tokens; task "arith" allows 64/],
      [{ logprobs: b64(f32([-1])) }, /logprobs need tokenIds/],
      [{ tokenIds: 12 }, /tokenIds/],
    ]
    for (const [c0, detail] of cases) {
      const res = await submit(l.leaseId, group('x', c0))
      expect(res.status, JSON.stringify(c0)).toBe(400)
      expect(((await res.json()) as any).detail).toMatch(detail)
    }
    expect(await groupsOf(l.leaseId)).toBe(0)
    expect((await submit(l.leaseId, group('x', { tokenIds: b64(i32([1])), logprobs: b64(f32([0])) }))).status).toBe(201)
  })

  it('POST /v1/groups: each group decided on its own, base64 and arrays side by side', async () => {
    const [a, b, c] = [await lease(), await lease(), await lease()]
    const res = await t.call('POST', '/v1/groups', {
      key: t.keys.worker,
      body: {
        groups: [
          { leaseId: a.leaseId, ...group('x', { tokenIds: b64(i32(IDS)), logprobs: b64(f32(LPS)) }) },
          { leaseId: b.leaseId, ...group('x', { tokenIds: b64(i32([1, -2])) }) },
          { leaseId: c.leaseId, ...group('x', { tokenIds: IDS, logprobs: LPS }) },
        ],
      },
    })
    expect(res.status).toBe(200)
    const { results } = (await res.json()) as any
    expect(results.map((r: any) => r.status)).toEqual([201, 400, 201])
    expect(results[1].problem.detail).toMatch(/completions\.0\.tokenIds: value 1/)
    expect((await storedHex(a.leaseId))[0]).toEqual((await storedHex(c.leaseId))[0])
    expect(await groupsOf(b.leaseId)).toBe(0)
  })
})

describe('EdgeClient', () => {
  /** The typed client over app.request (no sockets): records what it sends. */
  const client = (arrays?: boolean) => {
    const sent: any[] = []
    const fetch0 = globalThis.fetch
    const edge = new EdgeClient({ baseUrl: 'http://edge', key: t.keys.worker, arrays })
    const run = async <T>(f: () => Promise<T>) => {
      globalThis.fetch = (async (url: string, init: RequestInit) => {
        sent.push(JSON.parse(String(init.body)))
        return t.app.request(url.replace('http://edge', ''), init)
      }) as typeof fetch
      try {
        return await f()
      } finally {
        globalThis.fetch = fetch0
      }
    }
    return { edge, sent, run }
  }

  it('sends base64 by default (arrays when asked); both store the same bytes', async () => {
    for (const arrays of [undefined, true]) {
      const { edge, sent, run } = client(arrays)
      const l = await lease()
      const out = await run(() => edge.submit(l.leaseId, { modelVersion: 0, completions: [{ text: 'x', tokenIds: IDS, logprobs: LPS }, { text: 'y' }] }))
      expect(out.rewards).toHaveLength(2)
      expect(sent[0].completions[0].tokenIds).toEqual(arrays ? IDS : b64(i32(IDS)))
      expect(sent[0].completions[0].logprobs).toEqual(arrays ? LPS : b64(f32(LPS)))
      expect((await storedHex(l.leaseId))[0]).toEqual({ t: i32(IDS).toString('hex'), l: f32(LPS).toString('hex') })
    }
  })
})
