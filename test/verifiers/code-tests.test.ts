/**
 * code-tests on Node: the shared cases (code-tests-cases.ts) in three sandboxes — QuickJS in-process (what
 * workerd runs), and the process pools (JavaScript, Python) that Node entry points register — plus what the
 * pools add: hard kills, state hygiene between tests, bounded concurrency, and a healthy sandbox after every
 * hostile program. Limits measured here are printed (time to kill, memory at kill) for the closing note.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeNodeSandboxes, installNodeSandboxes, ProcessPool } from '../../sandbox/index.js'
import { parseTestsReference, provideSandbox, verifierSpec, verifyGroup } from '../../verifiers/index.js'
import { JS_CASES, PY_CASES, type CodeCase } from './code-tests-cases.js'

const run = (spec: unknown, reference: string | null, completions: string[]) =>
  verifyGroup(verifierSpec.parse(spec), { reference, completions })

async function check(c: CodeCase) {
  const v = await run(c.spec, c.reference, c.completions)
  expect(v.status, JSON.stringify(v.details)).toBe('ok')
  v.rewards.forEach((r, i) => expect(r, `${c.name} #${i}: ${v.details[i].reason}`).toBeCloseTo(c.rewards[i], 10))
  const failing = v.details.filter((d, i) => c.rewards[i] < 1)
  ;(c.reasons ?? []).forEach((re, k) => expect(failing[k]?.reason, `${c.name} reason #${k}`).toMatch(re))
  return v
}

/** After every hostile case the same sandbox must still score a normal program. */
async function healthy(language: 'javascript' | 'python') {
  const code = language === 'python' ? 'print(int(input()) * 2)' : "console.log(Number(require('fs').readFileSync(0, 'utf8')) * 2)"
  const v = await run({ type: 'code-tests', language }, JSON.stringify({ tests: [{ stdin: '21', stdout: '42' }] }), [code])
  expect(v.rewards).toEqual([1])
}

describe('code-tests reference and spec', () => {
  it('parses both reference shapes strictly, with limits', () => {
    expect(parseTestsReference('{"tests":[{"stdin":"1","stdout":"2"}]}')).toEqual({ kind: 'io', tests: [{ stdin: '1', stdout: '2' }] })
    expect(parseTestsReference('{"asserts":["assert f()"]}')).toEqual({ kind: 'asserts', setup: '', asserts: ['assert f()'] })
    expect(parseTestsReference(null)).toMatch(/needs a reference/)
    expect(parseTestsReference('42')).toMatch(/neither shape/)
    expect(parseTestsReference('{"tests":[]}')).toMatch(/tests/)
    expect(parseTestsReference('{"tests":[{"input":"1","stdout":"2"}]}')).toMatch(/unrecognized|input/i)
    expect(parseTestsReference('{"asserts":["x"],"extra":1}')).toMatch(/extra|unrecognized/i)
    expect(parseTestsReference(JSON.stringify({ asserts: Array(101).fill('x') }))).toMatch(/100/)
  })

  it('spec: defaults and bounds', () => {
    expect(verifierSpec.parse({ type: 'code-tests', language: 'python' })).toEqual({
      type: 'code-tests', language: 'python', scoring: 'all', timeoutMs: 2000, memoryMb: 64,
    })
    expect(verifierSpec.safeParse({ type: 'code-tests', language: 'python', timeoutMs: 10_001 }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'code-tests', language: 'python', memoryMb: 257 }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'code-tests', language: 'ruby' }).success).toBe(false)
  })

  it('a reference that does not parse is a verifier error, never a 0', async () => {
    const v = await run({ type: 'code-tests', language: 'javascript' }, 'print me', ['console.log(1)'])
    expect(v).toMatchObject({ status: 'error', rewards: [null] })
    expect(v.details[0].reason).toMatch(/not JSON/)
  })
})

describe('javascript in-process (QuickJS, the workerd path)', () => {
  for (const c of JS_CASES) it(c.name, () => check(c))
})

describe('without a Python sandbox (as on Workers)', () => {
  it('python code-tests are a verifier error that names cohort sandbox', async () => {
    provideSandbox('python', null)
    const v = await run({ type: 'code-tests', language: 'python' }, '{"asserts":["assert True"]}', ['x = 1'])
    expect(v).toMatchObject({ status: 'error', rewards: [null] })
    expect(v.details[0].reason).toMatch(/cohort sandbox/)
  })
})

// process restarts (Pyodide loads in ~3 s idle, ~30 s on a machine loaded 10×) make these slow: generous timeout
describe('process pools (Node)', { timeout: 600_000 }, () => {
  let pools: ReturnType<typeof installNodeSandboxes>
  beforeAll(() => {
    pools = installNodeSandboxes({ size: 1 })
  })
  afterAll(() => closeNodeSandboxes())

  for (const c of JS_CASES) it(`javascript: ${c.name}`, async () => {
    await check(c)
    await healthy('javascript')
  })
  for (const c of PY_CASES) it(`python: ${c.name}`, async () => {
    await check(c)
    await healthy('python')
  })

  it('a C-level loop the interrupt cannot reach is killed at the hard limit (CPU), and the pool recovers', async () => {
    const before = pools.python.stats.killed
    const v = await run({ type: 'code-tests', language: 'python', timeoutMs: 300 }, JSON.stringify({ tests: [{ stdin: '', stdout: '' }] }), ['print(sum(range(10**13)))'])
    expect(v.details[0].reason).toMatch(/killed at \d+ ms CPU/)
    expect(pools.python.stats.killed).toBe(before + 1)
    await healthy('python')
    const js = await run({ type: 'code-tests', language: 'javascript', timeoutMs: 300 }, JSON.stringify({ tests: [{ stdin: '', stdout: '' }] }), [
      'const a = []; for (let i = 0; i < 3e5; i++) a.push(Math.random()); for (;;) a.slice().sort()',
    ])
    expect(js.details[0].reason).toMatch(/time limit exceeded \(300 ms/)
    await healthy('javascript')
  })

  it('no state leaks between tests: a monkeypatch retires the interpreter; globals start fresh', async () => {
    const recycled = pools.python.stats.recycled
    const ref = JSON.stringify({ asserts: ['assert json.dumps([1]) == "[1]"', 'assert "leak" not in dir(builtins_probe())'] })
    const patcher = 'import json\njson.dumps = lambda *a, **k: "[1]"\nleak = 1\ndef builtins_probe():\n    return globals()'
    const honest = 'import json\ndef builtins_probe():\n    return {}'
    const v = await run({ type: 'code-tests', language: 'python', scoring: 'fraction' }, ref, [patcher, honest])
    expect(v.rewards[1]).toBe(1)
    expect(pools.python.stats.recycled).toBeGreaterThan(recycled)
    // the next program sees the real json.dumps
    const after = await run({ type: 'code-tests', language: 'python' }, JSON.stringify({ tests: [{ stdin: '', stdout: '[2]' }] }), ['import json\nprint(json.dumps([2]))'])
    expect(after.rewards).toEqual([1])
    const jsLeak = await run({ type: 'code-tests', language: 'javascript' }, JSON.stringify({ asserts: ['assert.equal(typeof globalThis.leaked, "undefined")', 'assert.equal(typeof globalThis.leaked, "undefined")'] }), [
      'globalThis.leaked = 1\nObject.prototype.polluted = 1\nArray.prototype.map = null',
    ])
    expect(jsLeak.rewards).toEqual([0]) // the program's own global is visible to its own asserts only
    const jsAfter = await run({ type: 'code-tests', language: 'javascript' }, JSON.stringify({ asserts: ['assert.equal(({}).polluted, undefined); assert.deepEqual([1].map((x) => x + 1), [2])'] }), ['// clean'])
    expect(jsAfter.rewards).toEqual([1])
  })

  it('bounded concurrency: over capacity waits, past the queue it is refused with a clear error', async () => {
    const pool = new ProcessPool('javascript', { size: 1, maxQueue: 1 })
    provideSandbox('javascript', pool)
    try {
      const slow = { type: 'code-tests', language: 'javascript', timeoutMs: 400 }
      const ref = JSON.stringify({ tests: [{ stdin: '', stdout: 'x' }] })
      const [a, b, c] = await Promise.all([run(slow, ref, ['while (true) {}']), run(slow, ref, ['while (true) {}']), run(slow, ref, ['while (true) {}'])])
      const statuses = [a, b, c].map((v) => v.status).sort()
      expect(statuses).toEqual(['error', 'ok', 'ok'])
      const refused = [a, b, c].find((v) => v.status === 'error')!
      expect(refused.details[0].reason).toMatch(/sandbox busy: javascript sandbox over capacity: 1 running, 1 waiting/)
      expect(pool.stats.refused).toBe(1)
    } finally {
      provideSandbox('javascript', pools.javascript)
      await pool.close()
    }
  })

  it('measures each limit (printed for the closing note)', async () => {
    const ref = JSON.stringify({ tests: [{ stdin: '', stdout: 'never' }] })
    const rows: string[] = []
    const measure = async (language: 'javascript' | 'python', what: string, code: string, spec: object = {}) => {
      const t0 = Date.now()
      const v = await run({ type: 'code-tests', language, timeoutMs: 1000, memoryMb: 64, ...spec }, ref, [code])
      rows.push(`${language.padEnd(10)} ${what.padEnd(26)} ${String(Date.now() - t0).padStart(6)} ms wall  ${v.details[0].reason}`)
      expect(v.rewards).toEqual([0])
    }
    await measure('javascript', 'loop (timeout 1000 ms)', 'while (true) {}')
    await measure('javascript', 'allocate (memory 64 MiB)', 'const a = []; while (true) a.push(new Array(1e5).fill(1))')
    await measure('javascript', 'recursion', 'function f(n) { return f(n + 1) + 1 } f(0)')
    await measure('javascript', 'output flood', "for (;;) console.log('x'.repeat(4096))")
    await measure('python', 'loop (timeout 1000 ms)', 'while True: pass')
    await measure('python', 'C loop (hard kill)', 'print(sum(range(10**13)))')
    await measure('python', 'allocate (memory 64 MiB)', 'x = []\nwhile True: x.append(bytearray(10**6))')
    await measure('python', 'recursion', 'def f(n): return f(n + 1) + 1\nf(0)')
    await measure('python', 'output flood', 'while True: print("x" * 4096)')
    console.log(`code-tests limits measured (load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}):\n${rows.join('\n')}`)
  })
})
