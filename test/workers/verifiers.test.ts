/**
 * The verifier library inside workerd: every verifier type runs in the Workers runtime (no eval, no Node
 * built-ins, lazily imported CAS), Python via tree-sitter with the .wasm files imported as compiled modules
 * (workerd forbids compiling WebAssembly from bytes at run time), and the http verifier signs with Web Crypto.
 */
import runtimeWasm from 'web-tree-sitter/web-tree-sitter.wasm'
import pythonWasm from 'tree-sitter-python/tree-sitter-python.wasm'
import { describe, expect, it } from 'vitest'
import { mathEqual, providePythonWasm, signBody, verifierSpec, verifyGroup } from '../../verifiers/index.js'

providePythonWasm({ runtime: runtimeWasm, language: pythonWasm })

const run = (spec: unknown, reference: string | null, completions: string[]) =>
  verifyGroup(verifierSpec.parse(spec), { reference, completions })

describe('verifiers in workerd', () => {
  it('runs in the Workers runtime', () => {
    expect(typeof (globalThis as { process?: unknown }).process === 'undefined' || navigator.userAgent === 'Cloudflare-Workers').toBe(true)
  })

  it('math: fast paths and the CAS (compute-engine loaded lazily)', async () => {
    const v = await run({ type: 'math' }, '2\\sqrt{2}', ['\\boxed{\\sqrt{8}}', '\\boxed{2.83}', 'The answer is 2, 3.'])
    expect(v.rewards).toEqual([1, 0, 0])
    expect((await mathEqual('x^2+2x+1', '(x+1)^2')).equal).toBe(true)
    expect((await mathEqual('\\frac{1}{2}', '0.5')).path).toBe('rational')
  })

  it('math: Math-Verify-style extraction and structures, with both sides shown (workerd)', async () => {
    const v = await run({ type: 'math' }, '$\\frac{10}{9}$', ['Answer $\\frac{10}{9}$', 'so $x = \\frac{1}{3}$', '1,000.99€'])
    expect(v.rewards).toEqual([1, 0, 0])
    expect(v.details.map((d) => d.compared)).toEqual([
      { reference: '\\frac{10}{9}', answer: '\\frac{10}{9}' },
      { reference: '\\frac{10}{9}', answer: 'x = \\frac{1}{3}' },
      { reference: '\\frac{10}{9}', answer: '1000.99' },
    ])
    expect((await run({ type: 'math' }, '$\\pm 2021$', ['$\\boxed{-2021}, \\boxed{2021}$'])).rewards).toEqual([1])
    expect((await run({ type: 'math' }, '$(p,q)=(3,2)$', ['The pair is $(3, 2)$.'])).rewards).toEqual([1])
  })

  it('code-syntax: python (tree-sitter wasm), typescript, json', async () => {
    expect((await run({ type: 'code-syntax', language: 'python' }, null, ['def f(x):\n    return x\n', 'def f(x)\n  return x\n', 'print "x"\n'])).rewards).toEqual([1, 0, 0])
    expect((await run({ type: 'code-syntax', language: 'typescript' }, null, ['const x: number = 1', 'const x: = 1'])).rewards).toEqual([1, 0])
    expect((await run({ type: 'code-syntax', language: 'json' }, null, ['{"a":1}', '{a:1}'])).rewards).toEqual([1, 0])
  })

  it('json-schema, regex, choice, format, language, length, exact, numeric, weighted, human', async () => {
    expect((await run({ type: 'json-schema', schema: { type: 'object', required: ['a'] } }, null, ['{"a":1}', '{}'])).rewards).toEqual([1, 0])
    expect((await run({ type: 'regex', pattern: '^\\d+$' }, null, ['123', 'x'])).rewards).toEqual([1, 0])
    expect((await run({ type: 'choice' }, 'C', ['answer: C', '(A)'])).rewards).toEqual([1, 0])
    expect((await run({ type: 'format' }, null, ['<think>a</think><answer>b</answer>', 'b'])).rewards).toEqual([1, 0])
    expect((await run({ type: 'language', language: 'ru' }, null, ['Привет'])).rewards).toEqual([1])
    expect((await run({ type: 'length', max: 10, buffer: 5, unit: 'chars' }, null, ['x'.repeat(20)])).rewards).toEqual([-1])
    expect((await run({ type: 'exact' }, 'A', ['a'])).rewards).toEqual([1])
    expect((await run({ type: 'numeric', abs: 0.1 }, '3.14', ['#### 3.1'])).rewards).toEqual([1])
    const w = await run({ type: 'weighted', parts: [{ weight: 3, verifier: { type: 'math' } }, { weight: 1, verifier: { type: 'format', tags: ['answer'] } }] }, '4', ['<answer>4</answer>'])
    expect(w.rewards).toEqual([1])
    expect((await run({ type: 'human', quorum: 2 }, null, ['x'])).status).toBe('pending')
  })

  it('http: HMAC-SHA256 signature with Web Crypto (vector computed with node:crypto)', async () => {
    expect(await signBody('key', '1700000000', '{"x":1}')).toBe('sha256=a7e636377d31c44fc6722f0ee9b12b3dd88ae57cfe96af903538bc48009f2b21')
  })
})
