/**
 * code-tests inside workerd: the shared JavaScript cases (test/verifiers/code-tests-cases.ts) in QuickJS with the
 * .wasm imported as a compiled module; through the Worker's fetch handler, /v1/verify and group submission; a
 * Python task without a sandbox gets a clear verifier error; and a Python task whose verifier is an `http`
 * verifier pointing at `cohort sandbox` (started by global-setup.ts in Node) is scored end to end.
 */
import quickjsWasm from '../../node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm'
import { describe, expect, inject, it } from 'vitest'
import { call } from './edge-call.js'
import { provideQuickJSWasm, verifierSpec, verifyGroup } from '../../verifiers/index.js'
import { JS_CASES } from '../verifiers/code-tests-cases.js'

provideQuickJSWasm(quickjsWasm)

const admin = inject('adminKey')

describe('code-tests (JavaScript) in workerd', () => {
  for (const c of JS_CASES)
    it(c.name, async () => {
      const v = await verifyGroup(verifierSpec.parse(c.spec), { reference: c.reference, completions: c.completions })
      expect(v.status, JSON.stringify(v.details)).toBe('ok')
      v.rewards.forEach((r, i) => expect(r, `#${i}: ${v.details[i].reason}`).toBeCloseTo(c.rewards[i], 10))
      const failing = v.details.filter((_, i) => c.rewards[i] < 1)
      ;(c.reasons ?? []).forEach((re, k) => expect(failing[k]?.reason).toMatch(re))
    })

  it('POST /v1/verify and group submission score JavaScript through the Worker', async () => {
    const reference = JSON.stringify({ asserts: ['assert.equal(sq(3), 9)', 'assert.deepEqual([1, 2].map(sq), [1, 4])'] })
    const verify = await call('POST', '/v1/verify', admin, {
      verifier: { type: 'code-tests', language: 'javascript', scoring: 'fraction', timeoutMs: 500 },
      reference,
      completions: ['```js\nconst sq = (x) => x * x\n```', '```js\nconst sq = (x) => x + x\n```', 'while (true) {}'],
    })
    expect(verify.status).toBe(200)
    expect(verify.json.rewards).toEqual([1, 0, 0])
    expect(verify.json.details[1].reason).toMatch(/test 1\/2: AssertionError: 6 == 9/)

    const worker = (await call('POST', '/v1/keys', admin, { role: 'worker' })).json.key as string
    expect((await call('POST', '/v1/tasks', admin, { name: 'js-code', verifier: { type: 'code-tests', language: 'javascript' }, groupSize: 2 })).status).toBe(201)
    const refused = await call('POST', '/v1/tasks/js-code/prompts', admin, { prompts: [{ prompt: 'p', answer: 'not tests' }, { prompt: 'q' }] })
    expect(refused.status).toBe(400)
    expect(refused.json.indexes).toEqual([0, 1])
    expect((await call('POST', '/v1/tasks/js-code/prompts', admin, { prompts: [{ prompt: 'square', answer: reference }] })).status).toBe(201)
    const lease = await call('POST', '/v1/leases', worker, { task: 'js-code' })
    expect(JSON.stringify(lease.json)).not.toContain('assert')
    const group = await call('POST', `/v1/leases/${lease.json.leaseId}/group`, worker, {
      modelVersion: 0,
      completions: [{ text: 'const sq = (x) => x ** 2' }, { text: 'const sq = () => 9' }],
    })
    expect(group.status).toBe(201)
    expect(group.json).toMatchObject({ status: 'ready', rewards: [1, 0] })
  })

  it('a Python task with no sandbox is a verifier error naming cohort sandbox, never a 0', async () => {
    const v = await call('POST', '/v1/verify', admin, {
      verifier: { type: 'code-tests', language: 'python' },
      reference: JSON.stringify({ asserts: ['assert f() == 1'] }),
      completions: ['def f():\n    return 1'],
    })
    expect(v.status).toBe(200)
    expect(v.json).toMatchObject({ status: 'error', rewards: [null] })
    expect(v.json.details[0].reason).toMatch(/cohort sandbox/)
  })
})

describe('Python through `cohort sandbox` (http verifier, HMAC-signed)', () => {
  it('a Worker scores Python completions end to end: task → lease → group', async () => {
    const url = `${inject('sandboxUrl')}/code-tests?language=python&scoring=fraction&timeoutMs=1000`
    const verifier = { type: 'http', url, secretRef: 'sandbox', timeoutMs: 30_000, retries: 1 }
    expect((await call('POST', '/v1/tasks', admin, { name: 'py-code', verifier, groupSize: 3 })).status).toBe(201)
    const reference = JSON.stringify({ tests: [{ stdin: '2 3\n', stdout: '5\n' }, { stdin: '10 -1\n', stdout: '9\n' }] })
    expect((await call('POST', '/v1/tasks/py-code/prompts', admin, { prompts: [{ prompt: 'add two numbers', answer: reference }] })).status).toBe(201)
    const worker = (await call('POST', '/v1/keys', admin, { role: 'worker' })).json.key as string
    const lease = await call('POST', '/v1/leases', worker, { task: 'py-code' })
    expect(lease.status).toBe(201)
    const group = await call('POST', `/v1/leases/${lease.json.leaseId}/group`, worker, {
      modelVersion: 0,
      completions: [
        { text: '```python\na, b = map(int, input().split())\nprint(a + b)\n```' },
        { text: '```python\na, b = map(int, input().split())\nprint(5 if a == 2 else 0)\n```' },
        { text: '```python\nimport os\nprint(os.listdir("/"))\n```' },
      ],
    })
    expect(group.status).toBe(201)
    expect(group.json).toMatchObject({ status: 'ready', rewards: [1, 0.5, 0] })
  })

  it('an http verifier without its secret is a verifier error, not a 0', async () => {
    const url = `${inject('sandboxUrl')}/code-tests?language=python`
    const v = await call('POST', '/v1/verify', admin, {
      verifier: { type: 'http', url, secretRef: 'sandbox-wrong', retries: 0 },
      reference: JSON.stringify({ asserts: ['assert True'] }),
      completions: ['x = 1'],
    })
    expect(v.json).toMatchObject({ status: 'error', rewards: [null] })
  })
})
