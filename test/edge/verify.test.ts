/**
 * Hosted verification through app.request() on a real database: POST /v1/verify (role matrix, positives and
 * negatives, limits, task mode never touching stored references, nothing stored, http verifier secrets from the
 * env) and POST /v1/admin/reverify turning verify_failed groups ready once a real local HTTP verifier recovers.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { rows } from '../../schema/queries/index.js'
import { LIMITS, verifySignature } from '../../verifiers/index.js'
import { MAX_VERIFY_COMPLETIONS, MAX_VERIFY_TOTAL_CHARS } from '../../edge/routes/verify/schemas.js'
import { secretEnvName } from '../../edge/routes/verify/index.js'
import { testEdge, type TestEdge } from '../helpers/edge.js'

const SECRET = 'hmac-test-secret'
/** The Workers-style env a request runs with: the verifier secret as a binding. */
const ENV = { [secretEnvName('grader-v2')]: SECRET }

/**
 * A hosted verifier: checks the HMAC signature, answers 503 while `down`, else reward 1 for a completion equal to
 * the reference and 0.25 otherwise. Remembers every body it accepted.
 */
const grader = {
  down: false,
  received: [] as { prompt: string | null; completions: string[]; reference: string | null }[],
  server: undefined as Server | undefined,
  url: '',
}

let t: TestEdge
beforeAll(async () => {
  grader.server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', async () => {
      const ok = await verifySignature(
        SECRET,
        String(req.headers['x-cohort-timestamp']),
        body,
        String(req.headers['x-cohort-signature']),
      )
      if (!ok) return res.writeHead(401).end('bad signature')
      if (grader.down) return res.writeHead(503).end('down')
      const input = JSON.parse(body)
      grader.received.push(input)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ rewards: input.completions.map((c: string) => (c === input.reference ? 1 : 0.25)) }))
    })
  })
  await new Promise<void>((r) => grader.server!.listen(0, '127.0.0.1', r))
  grader.url = `http://127.0.0.1:${(grader.server!.address() as AddressInfo).port}/grade`
  t = await testEdge()
  const httpSpec = { type: 'http', url: grader.url, secretRef: 'grader-v2', retries: 0, timeoutMs: 2000 }
  for (const [name, verifier, answer] of [
    ['secretive', { type: 'exact' }, 'GOLD-SECRET-1'],
    ['graded', httpSpec, 'GOLD-7'],
    ['rated', { type: 'human', quorum: 2 }, 'GOLD-H'],
  ] as const) {
    expect((await t.call('POST', '/v1/tasks', { body: { name, verifier, groupSize: 2 } })).status).toBe(201)
    const prompts = [0, 1, 2].map((i) => ({ prompt: `${name} prompt ${i}`, answer }))
    expect((await t.call('POST', `/v1/tasks/${name}/prompts`, { body: { prompts } })).status).toBe(201)
  }
})
afterAll(async () => {
  await t?.close()
  await new Promise((r) => grader.server?.close(r))
})

/** app.request with a JSON body, a key and (optionally) a Workers env. */
async function call(path: string, key: string | null, body?: unknown, env?: Record<string, string>, method = 'POST') {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key) headers.authorization = `Bearer ${key}`
  const res = await t.app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, env)
  const text = await res.text()
  return { status: res.status, text, json: text ? JSON.parse(text) : null, type: res.headers.get('content-type') ?? '' }
}
const verify = (body: unknown, key = t.keys.worker, env?: Record<string, string>) => call('/v1/verify', key, body, env)
const count = async (table: string) =>
  Number((await rows<{ n: unknown }>(t.db, sql.raw(`select count(*) as n from ${table}`)))[0].n)

describe('POST /v1/verify', () => {
  const exact = { verifier: { type: 'exact' }, reference: 'Paris', completions: ['paris', 'London'] }

  it('any valid key may call it; no key or an unknown key → 401', async () => {
    for (const role of ['admin', 'worker', 'rater', 'learner'] as const) {
      const res = await verify(exact, t.keys[role])
      expect(res.status, role).toBe(200)
      expect(res.json.rewards).toEqual([1, 0])
    }
    expect((await verify(exact, null as unknown as string)).status).toBe(401)
    expect((await verify(exact, 'ck_worker_unknown')).status).toBe(401)
  })

  it('math: equivalent answers in several forms score 1, others 0, with the extracted answer', async () => {
    const res = await verify({
      verifier: { type: 'math' },
      reference: '\\frac{1}{2}',
      completions: ['so the result is \\boxed{0.5}', 'The answer is 1/2.', '#### 3', 'I do not know'],
    })
    expect(res.status).toBe(200)
    expect(res.json.status).toBe('ok')
    expect(res.json.rewards).toEqual([1, 1, 0, 0])
    expect(res.json.details[0]).toMatchObject({ status: 'ok', extracted: expect.any(String) })
    expect(res.json.details[3].reason).toBeTruthy()
  })

  it('math: details show both sides as compared, so a 0 can be explained', async () => {
    const res = await verify({
      verifier: { type: 'math' },
      reference: 'Janet sells 16 - 3 - 4 = 9 eggs and makes 9 * 2 = $18.\n#### 18',
      completions: ['**Answer:** 260 sheep', 'She makes $\\$18$ every day.', '<think>maybe \\boxed{18}</think> so 17'],
    })
    expect(res.json.rewards).toEqual([0, 1, 0])
    expect(res.json.details.map((d: { compared?: unknown }) => d.compared)).toEqual([
      { reference: '18', answer: '260' },
      { reference: '18', answer: '18' },
      { reference: '18', answer: '17' },
    ])
    expect(res.json.details[0].reason).toMatch(/different numbers/)
  })

  it('weighted: reports each part (rewards/<name> breakdown)', async () => {
    const res = await verify({
      verifier: {
        type: 'weighted',
        parts: [
          { weight: 1, verifier: { type: 'format' } },
          { weight: 3, verifier: { type: 'math' } },
        ],
      },
      reference: '4',
      completions: ['<think>2+2</think><answer>4</answer>', '<answer>4</answer>', '<think>hm</think><answer>5</answer>'],
    })
    expect(res.status).toBe(200)
    expect(res.json.rewards).toEqual([1, 0.75, 0.25])
    expect(res.json.details.map((d: any) => d.parts)).toEqual([
      { format: 1, math: 1 },
      { format: 0, math: 1 },
      { format: 1, math: 0 },
    ])
  })

  it("with a task: the task's verifier, the request's reference — stored references are never used or shown", async () => {
    const res = await verify({ task: 'secretive', reference: 'guess', completions: ['GOLD-SECRET-1', 'guess'] })
    expect(res.status).toBe(200)
    expect(res.json.rewards).toEqual([0, 1])
    // Without a reference the verifier has none: an error, not the stored one.
    const none = await verify({ task: 'secretive', completions: ['GOLD-SECRET-1', 'x'] })
    expect(none.status).toBe(200)
    expect(none.json).toMatchObject({ status: 'error', rewards: [null, null] })
    expect(none.json.details[0].reason).toMatch(/needs a reference/)
    const plain = await verify({ task: 'secretive', reference: 'x', completions: ['y'] })
    for (const r of [none, plain]) expect(r.text).not.toMatch(/GOLD/)
    expect((await verify({ task: 'nope', completions: ['y'] })).status).toBe(404)
  })

  it('stores nothing', async () => {
    const tables = ['groups', 'completions', 'ratings', 'leases', 'prompts', 'tasks']
    const before = await Promise.all(tables.map(count))
    await verify(exact)
    await verify({ task: 'secretive', reference: 'a', completions: ['a', 'b'] })
    expect(await Promise.all(tables.map(count))).toEqual(before)
  })

  it('http (task): signs with the secret from the env binding and sends the request reference', async () => {
    grader.down = false
    const res = await verify({ task: 'graded', prompt: 'p?', reference: 'mine', completions: ['mine', 'other'] }, t.keys.worker, ENV)
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ status: 'ok', rewards: [1, 0.25] })
    expect(grader.received.at(-1)).toEqual({ prompt: 'p?', completions: ['mine', 'other'], reference: 'mine' })
  })

  it('http without its secret configured: a per-completion error, never a silent 0', async () => {
    const res = await verify({ task: 'graded', reference: 'mine', completions: ['mine', 'x'] })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ status: 'error', rewards: [null, null] })
    expect(res.json.details[0].reason).toMatch(/secret "grader-v2" is not configured/)
  })

  it('inline http specs are admin-only (no SSRF / signing oracle for workers)', async () => {
    const body = { verifier: { type: 'http', url: grader.url, secretRef: 'grader-v2' }, reference: 'a', completions: ['a'] }
    const denied = await verify(body, t.keys.worker, ENV)
    expect(denied.status).toBe(403)
    expect(denied.type).toContain('application/problem+json')
    const admin = await verify(body, t.keys.admin, ENV)
    expect(admin.status).toBe(200)
    expect(admin.json.rewards).toEqual([1])
  })

  it('human verifiers cannot run statelessly → 400', async () => {
    expect((await verify({ verifier: { type: 'human', quorum: 1 }, completions: ['a'] })).status).toBe(400)
    const viaTask = await verify({ task: 'rated', completions: ['a'] })
    expect(viaTask.status).toBe(400)
    expect(viaTask.json.detail).toMatch(/ratings/)
  })

  it('rejects malformed requests with a problem listing the issue', async () => {
    const big = 'x'.repeat(LIMITS.completionChars + 1)
    const cases: [string, unknown][] = [
      ['neither verifier nor task', { completions: ['a'] }],
      ['both', { verifier: { type: 'exact' }, task: 'secretive', completions: ['a'] }],
      ['unknown field', { ...exact, extra: 1 }],
      ['unknown verifier type', { verifier: { type: 'nope' }, completions: ['a'] }],
      ['bad verifier option', { verifier: { type: 'exact', caseSensitive: 'yes' }, completions: ['a'] }],
      ['catastrophic regex', { verifier: { type: 'regex', pattern: '(a+)+$' }, completions: ['aaaa'] }],
      ['no completions', { verifier: { type: 'exact' }, reference: 'a', completions: [] }],
      ['too many completions', { ...exact, completions: Array(MAX_VERIFY_COMPLETIONS + 1).fill('a') }],
      ['a completion too long', { ...exact, completions: [big] }],
      ['reference too long', { ...exact, reference: 'r'.repeat(LIMITS.referenceChars + 1) }],
      ['completion not a string', { ...exact, completions: [1] }],
      ['bad task name', { task: '../x', completions: ['a'] }],
    ]
    for (const [what, body] of cases) {
      const res = await verify(body)
      expect(res.status, what).toBe(400)
      expect(res.type, what).toContain('application/problem+json')
      expect(res.json.detail, what).toBeTruthy()
    }
  })

  it(`limits the total size of a call (${MAX_VERIFY_TOTAL_CHARS} characters)`, async () => {
    const each = LIMITS.completionChars
    const n = Math.floor(MAX_VERIFY_TOTAL_CHARS / each) + 1
    const res = await verify({ ...exact, completions: Array(n).fill('y'.repeat(each)) })
    expect(res.status).toBe(400)
    expect(res.json.detail).toMatch(/at most/)
  })

  it('415 without a JSON content type', async () => {
    const res = await t.app.request('/v1/verify', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.worker}`, 'content-type': 'text/plain' },
      body: JSON.stringify(exact),
    })
    expect(res.status).toBe(415)
  })
})

describe('POST /v1/admin/reverify', () => {
  /** Lease a prompt of "graded" and submit two completions; one equals the stored reference. */
  async function submitGraded() {
    const lease = await call('/v1/leases', t.keys.worker, { task: 'graded' })
    expect(lease.status).toBe(201)
    const res = await call(`/v1/leases/${lease.json.leaseId}/group`, t.keys.worker, {
      modelVersion: 0,
      completions: [{ text: 'GOLD-7' }, { text: 'nope' }],
    })
    expect(res.status).toBe(201)
    expect(res.text).not.toContain('GOLD-7') // the worker's answer carries rewards, not references
    return res.json
  }
  /** env null: a request without the secret binding. */
  const reverify = (query = '', key = t.keys.admin, env: Record<string, string> | null = ENV) =>
    call(`/v1/admin/reverify${query}`, key, undefined, env ?? undefined)
  const group = async (id: number) => {
    const [g] = await rows<any>(t.db, sql`select status, reward_mean, reward_std, flags from groups where id = ${id}`)
    const cs = await rows<any>(t.db, sql`select reward, details from completions where group_id = ${id} order by index`)
    return { ...g, rewards: cs.map((c) => c.reward), details: cs.map((c) => c.details) }
  }

  it('admin only; the batch size is bounded', async () => {
    for (const role of ['worker', 'rater', 'learner'] as const) expect((await reverify('', t.keys[role])).status, role).toBe(403)
    expect((await reverify('', null as unknown as string)).status).toBe(401)
    for (const q of ['?limit=0', '?limit=51', '?limit=x']) expect((await reverify(q)).status, q).toBe(400)
  })

  it('a failed group stays verify_failed (with the reason) while the verifier is down, then turns ready', async () => {
    grader.down = true
    const x = await submitGraded()
    expect(x).toMatchObject({ status: 'verify_failed', rewards: [null, null], advantages: null })

    const down = await reverify('?limit=1')
    expect(down.status).toBe(200)
    expect(down.json).toMatchObject({ attempted: 1, ready: 0, failed: 1, groups: [{ groupId: x.groupId, status: 'verify_failed' }] })
    expect(down.json.groups[0].reason).toMatch(/HTTP 503/)
    let gx = await group(x.groupId)
    expect(gx.status).toBe('verify_failed')
    expect(gx.rewards).toEqual([null, null]) // never a silent 0
    expect(gx.details[0]).toMatchObject({ status: 'error', reason: expect.stringMatching(/HTTP 503/) })
    expect(gx.flags.reverify).toMatchObject({ attempts: 1, lastReason: expect.stringMatching(/HTTP 503/) })

    // A newer failed group that was never retried goes before the one just retried.
    const y = await submitGraded()
    const next = await reverify('?limit=1')
    expect(next.json.groups.map((g: any) => g.groupId)).toEqual([y.groupId])

    grader.down = false
    const before = grader.received.length
    const up = await reverify()
    expect(up.json).toMatchObject({ attempted: 2, ready: 2, failed: 0 })
    expect(grader.received.slice(before).map((r) => r.reference)).toEqual(['GOLD-7', 'GOLD-7'])
    gx = await group(x.groupId)
    expect(gx.status).toBe('ready')
    expect(gx.rewards).toEqual([1, 0.25])
    expect(gx.reward_mean).toBeCloseTo(0.625, 12)
    expect(gx.reward_std).toBeCloseTo(Math.SQRT2 * 0.375, 12) // Bessel: sqrt(2·0.375² / 1)
    expect(gx.details[1]).toMatchObject({ status: 'ok', reward: 0.25 })
    expect(gx.flags.reverify.attempts).toBe(2)

    expect((await reverify()).json).toMatchObject({ attempted: 0, groups: [] })
  })

  it('group submission signs with the secret from the env: ready at once when the verifier is up', async () => {
    grader.down = false
    const lease = await call('/v1/leases', t.keys.worker, { task: 'graded' }, ENV)
    const res = await call(
      `/v1/leases/${lease.json.leaseId}/group`,
      t.keys.worker,
      { modelVersion: 0, completions: [{ text: 'GOLD-7' }, { text: 'nope' }] },
      ENV,
    )
    expect(res.status).toBe(201)
    expect(res.json).toMatchObject({ status: 'ready', rewards: [1, 0.25] })
    expect(res.text).not.toContain('GOLD-7')
    expect((await group(res.json.groupId)).status).toBe('ready')
  })

  it('without the secret in the environment the group stays failed and says why', async () => {
    grader.down = true // fails at submission whether or not the submit path has the secret
    const z = await submitGraded()
    grader.down = false
    const res = await reverify('', t.keys.admin, null)
    expect(res.json).toMatchObject({ attempted: 1, failed: 1 })
    expect(res.json.groups[0].reason).toMatch(/secret "grader-v2" is not configured/)
    expect((await group(z.groupId)).status).toBe('verify_failed')
    expect((await reverify()).json).toMatchObject({ attempted: 1, ready: 1 })
  })
})
