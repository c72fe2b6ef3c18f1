/** The code-syntax verifier: JS, TS, JSON, Python (tree-sitter + indentation checks), fences, limits. */
import { describe, expect, it } from 'vitest'
import { syntaxError } from '../../verifiers/index.js'
import { rewards, score } from './helpers.js'

describe('syntaxError', () => {
  it.each([
    ['javascript', 'const f = (x) => x * 2\nexport default f\n'],
    ['javascript', 'const el = <div>{x}</div>'],
    ['typescript', 'interface P { x: number }\nconst f = (p: P): number => p.x\n'],
    ['json', '{"a": [1, 2, {"b": null}]}'],
    ['python', 'def f(x):\n    """doc\n  string"""\n    return [i for i in range(x)]\n'],
    ['python', 'match p:\n    case [x, y]:\n        print(x, y)\n'],
    ['python', 'x = (1,\n     2)\nif x:\n    pass\n'],
    ['python', 'async def g():\n    await h()\n'],
    ['python', 'def g():\n    for i in x:\n        if i:\n            break\n        yield i\n    return [lambda: 1]\n'],
    ['python', 'while True:\n    try:\n        continue\n    finally:\n        pass\n'],
  ] as const)('%s accepts valid code (%#)', async (lang, code) => {
    expect(await syntaxError(code, lang)).toBeNull()
  })

  it.each([
    ['javascript', 'const = 1', /Unexpected/],
    ['javascript', 'function f( {', /Unexpected/],
    ['typescript', 'let x: = 1', /Unexpected/],
    ['javascript', 'let x: number = 1', /./],
    ['json', "{'a': 1}", /invalid JSON/],
    ['python', 'def f(x)\n    return x\n', /syntax error/],
    ['python', 'print "hello"\n', /Python 2 print/],
    ['python', 'def f():\n  x = 1\n    y = 2\n', /unexpected indent/],
    ['python', 'def f():\nreturn 1\n', /expected an indented block|'return' outside function/],
    ['python', 'if a:\n    x = 1\n  y = 2\n', /unindent does not match/],
    ['python', 'if a:\n\tx = 1\nif b:\n        y = 2\n', /tabs and spaces/],
    ['python', 'f(a=1, 2)\n', /positional argument follows keyword/],
    ['python', 'for x in y:\n', /expected an indented block/],
    ['python', 'return 1\n', /'return' outside function/],
    ['python', 'class A:\n    return 1\n', /'return' outside function/],
    ['python', 'if x:\n    break\n', /'break' outside loop/],
    ['python', 'for i in x:\n    def f():\n        continue\n', /'continue' outside loop/],
    ['python', 'x = (yield)\n', /'yield' outside function/],
  ] as const)('%s rejects %s', async (lang, code, why) => {
    expect(await syntaxError(code, lang)).toMatch(why)
  })
})

describe('code-syntax verifier', () => {
  it('takes the last fenced block of the language', async () => {
    const ok = 'Here is the code:\n```python\ndef f():\n    return 1\n```\nDone.'
    const bad = 'Here:\n```python\ndef f(:\n```'
    expect(await rewards({ type: 'code-syntax', language: 'python' }, null, [ok, bad])).toEqual([1, 0])
  })
  it('fenced source requires a fence; raw parses the whole completion', async () => {
    expect(await rewards({ type: 'code-syntax', language: 'javascript', source: 'fenced' }, null, ['let x = 1'])).toEqual([0])
    expect(await rewards({ type: 'code-syntax', language: 'javascript', source: 'raw' }, null, ['let x = 1'])).toEqual([1])
  })
  it('adversarial: huge and deeply nested code is bounded', async () => {
    const v = await score({ type: 'code-syntax', language: 'javascript' }, null, ['x'.repeat(100_000), '('.repeat(50_000)])
    expect(v.rewards).toEqual([0, 0])
    expect(v.details[0].reason).toMatch(/longer than/)
    const py = await score({ type: 'code-syntax', language: 'python', source: 'raw' }, null, ['x = ' + '['.repeat(20_000) + ']'.repeat(20_000)])
    expect(py.status).toBe('ok')
  })
})
