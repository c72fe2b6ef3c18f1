/**
 * code-tests through the edge on Node (app.request() on a real database, the process pools registered as
 * edge/node.ts does): POST /v1/verify for both languages and group submission with Python; prompts a task's
 * verifier cannot score are refused whole (400 naming every index, nothing stored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { rows } from '../../schema/queries/index.js'
import { closeNodeSandboxes, installNodeSandboxes } from '../../sandbox/index.js'
import { testEdge, type TestEdge } from '../helpers/edge.js'

let t: TestEdge
beforeAll(async () => {
  installNodeSandboxes({ size: 1 })
  t = await testEdge()
})
afterAll(async () => {
  await t?.close()
  await closeNodeSandboxes()
})

const ADD = JSON.stringify({ tests: [{ stdin: '2 3\n', stdout: '5\n' }, { stdin: '-1 1\n', stdout: '0\n' }] })

// the first Python test starts Pyodide (~3 s idle, far more on a loaded machine)
describe('code-tests through the edge (Node)', { timeout: 600_000 }, () => {
  it('POST /v1/verify runs Python and JavaScript in the sandboxes', async () => {
    const py = await t.call('POST', '/v1/verify', {
      body: {
        verifier: { type: 'code-tests', language: 'python', scoring: 'fraction' },
        reference: ADD,
        completions: ['```python\na, b = map(int, input().split())\nprint(a + b)\n```', 'print(5)', 'import subprocess'],
      },
    })
    expect(py.status).toBe(200)
    const pj = await py.json()
    expect(pj).toMatchObject({ status: 'ok', rewards: [1, 0.5, 0] })
    expect(pj.details[1].reason).toMatch(/test 2\/2: line 1: expected "0", got "5"/)
    expect(pj.details[2].reason).toMatch(/import of 'subprocess' is not allowed/)
    const js = await t.call('POST', '/v1/verify', {
      body: {
        verifier: { type: 'code-tests', language: 'javascript' },
        reference: ADD,
        completions: ["const [a, b] = require('fs').readFileSync(0, 'utf8').split(' ').map(Number)\nconsole.log(a + b)", 'while (true) {}'],
      },
    })
    expect(await js.json()).toMatchObject({ status: 'ok', rewards: [1, 0] })
  })

  it('group submission scores Python; the lease never shows the tests', async () => {
    const worker = t.keys.worker
    expect((await t.call('POST', '/v1/tasks', { body: { name: 'py', verifier: { type: 'code-tests', language: 'python' }, groupSize: 2 } })).status).toBe(201)
    expect((await t.call('POST', '/v1/tasks/py/prompts', { body: { prompts: [{ prompt: 'add', answer: ADD }] } })).status).toBe(201)
    const lease = await (await t.call('POST', '/v1/leases', { key: worker, body: { task: 'py' } })).json()
    expect(JSON.stringify(lease)).not.toContain('stdout')
    const res = await t.call('POST', `/v1/leases/${lease.leaseId}/group`, {
      key: worker,
      body: { modelVersion: 0, completions: [{ text: 'print(sum(map(int, input().split())))' }, { text: 'while True: pass' }] },
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ status: 'ready', rewards: [1, 0] })
  })

  it('prompts the verifier cannot score → 400 naming every index, nothing stored', async () => {
    for (const [name, verifier] of [
      ['ex', { type: 'exact' }],
      ['ch', { type: 'choice' }],
      ['ct', { type: 'code-tests', language: 'javascript' }],
      ['fm', { type: 'format' }],
      ['wt', { type: 'weighted', parts: [{ weight: 1, verifier: { type: 'format' } }, { weight: 1, verifier: { type: 'numeric' } }] }],
    ] as const)
      expect((await t.call('POST', '/v1/tasks', { body: { name, verifier, groupSize: 2 } })).status).toBe(201)
    const count = async () => Number((await rows<{ n: number }>(t.db, sql`select count(*)::int as n from prompts`))[0].n)
    const before = await count()

    const ex = await t.call('POST', '/v1/tasks/ex/prompts', { body: { prompts: [{ prompt: 'a', answer: '1' }, { prompt: 'b' }, { prompt: 'c', answer: null }, { prompt: 'd', answer: '  ' }] } })
    expect(ex.status).toBe(400)
    expect(ex.headers.get('content-type')).toContain('application/problem+json')
    const exj = await ex.json()
    expect(exj.indexes).toEqual([1, 2, 3])
    expect(exj.detail).toMatch(/3 of 4 prompts cannot be scored by task "ex".*indexes 1, 2, 3/)
    expect(exj.errors[0]).toEqual({ path: 'prompts.1.answer', message: expect.stringMatching(/exact verifier needs a reference answer/) })

    const ch = await (await t.call('POST', '/v1/tasks/ch/prompts', { body: { prompts: [{ prompt: 'q', answer: 'B' }, { prompt: 'q', answer: 'E' }] } })).json()
    expect(ch.indexes).toEqual([1])
    expect(ch.errors[0].message).toMatch(/not one of the choices/)
    const ct = await (await t.call('POST', '/v1/tasks/ct/prompts', { body: { prompts: [{ prompt: 'q', answer: ADD }, { prompt: 'q', answer: '{"tests":[]}' }, { prompt: 'q', answer: 'print(1)' }] } })).json()
    expect(ct.indexes).toEqual([1, 2])
    const wt = await (await t.call('POST', '/v1/tasks/wt/prompts', { body: { prompts: [{ prompt: 'q', answer: 'seven' }] } })).json()
    expect(wt.errors[0].message).toMatch(/numeric verifier: reference is not a number/)
    expect(await count()).toBe(before)

    // a verifier that needs no reference takes prompts without one
    expect((await t.call('POST', '/v1/tasks/fm/prompts', { body: { prompts: [{ prompt: 'q' }] } })).status).toBe(201)
    expect(await count()).toBe(before + 1)
  })
})
