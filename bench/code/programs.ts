/** The bench:code program set: the same eight small stdin/stdout programs in JavaScript and Python, 3 tests each. */
export interface Program {
  name: string
  js: string
  py: string
  tests: { stdin: string; stdout: string }[]
}

const readJs = "const input = require('fs').readFileSync(0, 'utf8')\n"

export const PROGRAMS: Program[] = [
  {
    name: 'sum',
    js: readJs + 'console.log(input.split(/\\s+/).filter(Boolean).map(Number).reduce((a, b) => a + b, 0))',
    py: 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))',
    tests: [{ stdin: '1 2 3\n', stdout: '6' }, { stdin: '10\n-4\n', stdout: '6' }, { stdin: '0', stdout: '0' }],
  },
  {
    name: 'reverse',
    js: readJs + "console.log(input.trim().split('').reverse().join(''))",
    py: 'print(input().strip()[::-1])',
    tests: [{ stdin: 'abc\n', stdout: 'cba' }, { stdin: 'racecar\n', stdout: 'racecar' }, { stdin: 'xy\n', stdout: 'yx' }],
  },
  {
    name: 'fibonacci',
    js: readJs + 'let n = Number(input), a = 0n, b = 1n\nfor (let i = 0; i < n; i++) [a, b] = [b, a + b]\nconsole.log(String(a))',
    py: 'n = int(input())\na, b = 0, 1\nfor _ in range(n):\n    a, b = b, a + b\nprint(a)',
    tests: [{ stdin: '10', stdout: '55' }, { stdin: '90', stdout: '2880067194370816120' }, { stdin: '1', stdout: '1' }],
  },
  {
    name: 'word-count',
    js: readJs + 'const c = {}\nfor (const w of input.split(/\\s+/).filter(Boolean)) c[w] = (c[w] || 0) + 1\nfor (const k of Object.keys(c).sort()) console.log(k, c[k])',
    py: 'import sys\nfrom collections import Counter\nc = Counter(sys.stdin.read().split())\nfor k in sorted(c):\n    print(k, c[k])',
    tests: [{ stdin: 'a b a\n', stdout: 'a 2\nb 1' }, { stdin: 'x\n', stdout: 'x 1' }, { stdin: 'b a b b\n', stdout: 'a 1\nb 3' }],
  },
  {
    name: 'sort',
    js: readJs + "console.log(input.split(/\\s+/).filter(Boolean).map(Number).sort((a, b) => a - b).join(' '))",
    py: 'import sys\nprint(" ".join(map(str, sorted(int(x) for x in sys.stdin.read().split()))))',
    tests: [{ stdin: '3 1 2', stdout: '1 2 3' }, { stdin: '5 -1 5 0', stdout: '-1 0 5 5' }, { stdin: '7', stdout: '7' }],
  },
  {
    name: 'primes',
    js: readJs + 'const n = Number(input), s = new Uint8Array(n + 1)\nlet c = 0\nfor (let i = 2; i <= n; i++) if (!s[i]) { c++; for (let j = i * i; j <= n; j += i) s[j] = 1 }\nconsole.log(c)',
    py: 'n = int(input())\ns = bytearray(n + 1)\nc = 0\nfor i in range(2, n + 1):\n    if not s[i]:\n        c += 1\n        for j in range(i * i, n + 1, i):\n            s[j] = 1\nprint(c)',
    tests: [{ stdin: '10', stdout: '4' }, { stdin: '1000', stdout: '168' }, { stdin: '20000', stdout: '2262' }],
  },
  {
    name: 'gcd',
    js: readJs + 'let [a, b] = input.split(/\\s+/).map(Number)\nwhile (b) [a, b] = [b, a % b]\nconsole.log(a)',
    py: 'a, b = map(int, input().split())\nwhile b:\n    a, b = b, a % b\nprint(a)',
    tests: [{ stdin: '12 18', stdout: '6' }, { stdin: '17 5', stdout: '1' }, { stdin: '100 75', stdout: '25' }],
  },
  {
    name: 'palindromes',
    js: readJs + "for (const w of input.trim().split('\\n')) console.log(w === [...w].reverse().join('') ? 'yes' : 'no')",
    py: 'import sys\nfor w in sys.stdin.read().split():\n    print("yes" if w == w[::-1] else "no")',
    tests: [{ stdin: 'aba\nab\n', stdout: 'yes\nno' }, { stdin: 'x\n', stdout: 'yes' }, { stdin: 'abba\nabc\nz\n', stdout: 'yes\nno\nyes' }],
  },
]
