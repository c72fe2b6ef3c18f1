/**
 * code-tests cases shared by the Node tests (code-tests.test.ts) and the workerd tests (test/workers): each is a
 * spec, a reference, completions and the rewards they must get, with a pattern the first failing completion's
 * reason must match. Plain data: importable inside workerd.
 */
export interface CodeCase {
  name: string
  spec: Record<string, unknown>
  reference: string
  completions: string[]
  rewards: number[]
  /** Pattern for the reason of each completion with reward < 1 (in order). */
  reasons?: RegExp[]
}

const io = (tests: [string, string][]) => JSON.stringify({ tests: tests.map(([stdin, stdout]) => ({ stdin, stdout })) })
const asserts = (list: string[], setup?: string) => JSON.stringify({ ...(setup ? { setup } : {}), asserts: list })
const js = (code: string) => '```javascript\n' + code + '\n```'
const py = (code: string) => 'Here is my solution:\n```python\n' + code + '\n```\nDone.'

const SUM_IO = io([['1 2\n', '3\n'], ['10 -4\n', '6'], ['0 0', '0\n\n']])

export const JS_CASES: CodeCase[] = [
  {
    name: 'stdin/stdout: fs.readFileSync(0), readline, process.stdin; trailing whitespace ignored',
    spec: { type: 'code-tests', language: 'javascript' },
    reference: SUM_IO,
    completions: [
      js("const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number)\nconsole.log(a + b + '   ')"),
      js("const rl = require('readline').createInterface({ input: process.stdin })\nrl.on('line', (l) => { const [a, b] = l.split(' ').map(Number); console.log(a + b) })"),
      js("let s = ''\nprocess.stdin.on('data', (d) => (s += d))\nprocess.stdin.on('end', () => { const [a, b] = s.split(/\\s+/).map(Number); process.stdout.write(String(a + b) + '\\n') })"),
      js("const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number)\nconsole.log(a - b)"),
      'console.log(3)',
    ],
    rewards: [1, 1, 1, 0, 0],
    reasons: [/test 1\/3: line 1: expected "3", got "-1"/, /test 2\/3: line 1: expected "6", got "3"/],
  },
  {
    name: 'fraction scoring: passed / total',
    spec: { type: 'code-tests', language: 'javascript', scoring: 'fraction' },
    reference: SUM_IO,
    completions: [js("const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number)\nconsole.log(a === 0 ? 1 : a + b)")],
    rewards: [2 / 3],
    reasons: [/test 3\/3: line 1: expected "0", got "1"/],
  },
  {
    name: 'asserts with setup: node:assert-like equal / deepEqual / ok; each test in a fresh context',
    spec: { type: 'code-tests', language: 'javascript', scoring: 'fraction' },
    reference: asserts(['assert.equal(add(1, 2), 3)', 'assert.deepEqual(pair(2), [2, K])', 'assert.ok(counter() === 1)'], 'const K = 7'),
    completions: [
      js('function add(a, b) { return a + b }\nfunction pair(x) { return [x, K] }\nlet n = 0\nfunction counter() { return ++n }'),
      js('function add(a, b) { return a * b }\nfunction pair(x) { return [x, 8] }\nfunction counter() { return 1 }'),
    ],
    rewards: [1, 1 / 3],
    reasons: [/test 1\/3: AssertionError: 2 == 3/],
  },
  {
    name: 'a program cannot weaken assert, skip the test by exiting, or pass a syntax error',
    spec: { type: 'code-tests', language: 'javascript' },
    reference: asserts(['assert.equal(add(1, 2), 3)']),
    completions: [
      js('function add() { return 0 }\nassert.equal = () => {}\nObject.keys = () => []'),
      js('function add() { return 0 }\nprocess.exit(0)'),
      js('function add(a, b) { return a + b'),
      'no code at all, just words',
    ],
    rewards: [0, 0, 0, 0],
    reasons: [/AssertionError: 0 == 3/, /exited \(code 0\) before the test ran/, /SyntaxError/, /SyntaxError|ReferenceError/],
  },
  {
    name: 'exceptions and exit codes',
    spec: { type: 'code-tests', language: 'javascript' },
    reference: io([['', 'x\n']]),
    completions: [js("throw new TypeError('boom')"), js("console.log('x'); process.exit(3)"), js("console.log('x'); process.exit(0)")],
    rewards: [0, 0, 1],
    reasons: [/TypeError: boom/, /exited with code 3/],
  },
  {
    name: 'hostile: infinite loop, recursion bomb, memory bomb, output flood',
    spec: { type: 'code-tests', language: 'javascript', timeoutMs: 300, memoryMb: 16 },
    reference: io([['', 'ok\n']]),
    completions: [
      js('while (true) {}'),
      js('function f(n) { return f(n + 1) + 1 }\nf(0)'),
      js('const a = []\nwhile (true) a.push(new Array(100000).fill(7))'),
      js("for (;;) console.log('flood flood flood flood flood flood flood flood flood flood flood flood flood flood')"),
      js("console.log('ok')"),
    ],
    rewards: [0, 0, 0, 0, 1],
    reasons: [/time limit exceeded \(300 ms/, /stack overflow \(stack limit/, /memory limit exceeded \(16 MiB/, /(output|time) limit exceeded/],
  },
  {
    name: 'hostile: network, file system, process, modules, eval tricks, reading the reference',
    spec: { type: 'code-tests', language: 'javascript' },
    reference: io([['secret-free input', 'EXPECTED-42\n']]),
    completions: [
      js("fetch('http://127.0.0.1:5432/').then(() => console.log('EXPECTED-42'))"),
      js("console.log(require('fs').readFileSync('/etc/passwd', 'utf8'))"),
      js("require('child_process').execSync('id')"),
      js("require('net').connect(5432, '127.0.0.1')"),
      js("console.log(typeof WebAssembly, typeof XMLHttpRequest, typeof setTimeout, Object.keys(process.env).length)\nconsole.log(String(process.binding))"),
      js("console.log(globalThis.__cohort_stdin, globalThis.reference, globalThis.expected, JSON.stringify(Object.getOwnPropertyNames(globalThis).filter((k) => /cohort|stdin|answer/i.test(k))))"),
      js("console.log(new Function('return this')().constructor.name, (function () { return this })() === globalThis)\nconsole.log(Function('return require')()('os'))"),
    ],
    rewards: [0, 0, 0, 0, 0, 0, 0],
    reasons: [/ReferenceError: .*fetch/, /EACCES: file system access is not available/, /Cannot find module 'child_process'/, /Cannot find module 'net'/, /line 1: expected "EXPECTED-42", got "undefined undefined undefined 0"/, /expected "EXPECTED-42", got "undefined undefined undefined \[\\"__cohort_drain\\"\]"/, /Cannot find module 'os'/],
  },
]

export const PY_CASES: CodeCase[] = [
  {
    name: 'stdin/stdout: input(), sys.stdin; fences; trailing whitespace ignored',
    spec: { type: 'code-tests', language: 'python' },
    reference: SUM_IO,
    completions: [
      py('a, b = map(int, input().split())\nprint(a + b, "  ")'),
      py('import sys\na, b = map(int, sys.stdin.read().split())\nsys.stdout.write(f"{a+b}\\n")'),
      py('a, b = map(int, input().split())\nprint(a - b)'),
      'print(3)',
    ],
    rewards: [1, 1, 0, 0],
    reasons: [/test 1\/3: line 1: expected "3", got "-1"/, /test 2\/3: line 1: expected "6", got "3"/],
  },
  {
    name: 'asserts with setup (MBPP / HumanEval style), fraction',
    spec: { type: 'code-tests', language: 'python', scoring: 'fraction' },
    reference: asserts(['assert add(1, 2) == 3', 'assert pair(2) == (2, K)', 'assert counter() == 1'], 'K = 7'),
    completions: [
      py('def add(a, b):\n    return a + b\ndef pair(x):\n    return (x, K)\nn = 0\ndef counter():\n    global n\n    n += 1\n    return n'),
      py('def add(a, b):\n    return a * b\ndef pair(x):\n    return (x, 8)\ndef counter():\n    return 1'),
      py('def add(a, b) return a'),
    ],
    rewards: [1, 1 / 3, 0],
    reasons: [/test 1\/3: AssertionError \(test line 1\)/, /SyntaxError.*line 1/],
  },
  {
    name: 'exceptions, sys.exit before the assert, exit codes',
    spec: { type: 'code-tests', language: 'python' },
    reference: asserts(['assert f() == 1']),
    completions: [py('def f():\n    return {}["missing"]'), py('import sys\ndef f():\n    return 1\nsys.exit(0)'), py('def f():\n    return 1')],
    rewards: [0, 0, 1],
    reasons: [/KeyError: 'missing' \(solution line 2\)/, /exited \(code 0\) before the test ran/],
  },
  {
    name: 'hostile: infinite loop, swallowed interrupt, C-level loop, recursion bomb, memory bomb, output flood',
    spec: { type: 'code-tests', language: 'python', timeoutMs: 500, memoryMb: 32 },
    reference: io([['', 'ok\n']]),
    completions: [
      py('while True:\n    pass'),
      py('while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass'),
      py('print(sum(range(10**13)))'),
      py('def f(n):\n    return f(n + 1) + 1\nf(0)'),
      py('x = []\nwhile True:\n    x.append(bytearray(10**6))'),
      py('while True:\n    print("flood " * 50)'),
      py('print("ok")'),
    ],
    rewards: [0, 0, 0, 0, 0, 0, 1],
    reasons: [/time limit exceeded \(500 ms\)/, /time limit exceeded \(500 ms; killed at/, /time limit exceeded \(500 ms; killed at/, /RecursionError/, /memory limit exceeded \(32 MiB/, /output limit exceeded/],
  },
  {
    name: 'hostile: os/subprocess/socket/ctypes/js imports, fork, files, frames, gc, the FFI, reading the reference',
    spec: { type: 'code-tests', language: 'python' },
    reference: asserts(['assert answer(6) == 42']),
    completions: [
      py('import os\ndef answer(x):\n    return os.system("id")'),
      py('import subprocess\ndef answer(x):\n    return 42'),
      py('import socket\ns = socket.socket()\ns.connect(("127.0.0.1", 5432))'),
      py('import ctypes'),
      py('import js\nprint(js.process.pid)'),
      py('def answer(x):\n    return int(open("/etc/hostname").read())'),
      py('import sys\ndef answer(x):\n    return sys._getframe(1).f_code.co_consts[-1]'),
      py('def answer(x):\n    try:\n        raise ValueError\n    except ValueError as e:\n        return e.__traceback__.tb_frame.f_back.f_code.co_consts[-1]'),
      py('def answer(x):\n    g = (i for i in [1])\n    return g.gi_frame.f_back'),
      py('import sys\nos = sys.modules["os"]\ndef answer(x):\n    return os.listdir("/")'),
      py('import sys\nos = sys.modules["os"]\npid = os.fork()'),
      py('import sys\nprint(sys.modules.get("js"), sys.modules.get("pyodide_js"))\nc = [k for k in ().__class__.__base__.__subclasses__() if k.__name__ == "JsProxy"]\ndef answer(x):\n    return 0'),
    ],
    rewards: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    reasons: [
      /ImportError: import of 'os' is not allowed/,
      /ImportError: import of 'subprocess' is not allowed/,
      /ImportError: import of 'socket' is not allowed/,
      /ImportError: import of 'ctypes' is not allowed/,
      /ImportError: import of 'js' is not allowed/,
      /PermissionError: file system access is not available/,
      /PermissionError: sys._getframe is not allowed/,
      /PermissionError: frame introspection \(tb_frame\)/,
      /PermissionError: frame introspection \(gi_frame\)/,
      /PermissionError: os.listdir is not allowed/,
      /PermissionError: os.fork is not allowed|AttributeError: .*fork/,
      /AssertionError/,
    ],
  },
]
