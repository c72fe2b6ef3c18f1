// bench:code's JavaScript floor: the same programs run directly by Node in one process, each test compiled with
// new Function and given a require('fs').readFileSync(0) that returns its stdin and a console.log that collects
// (no isolation at all). Reads the programs as JSON on stdin; prints {"perTestUs": [...one per round...]}.
import { readFileSync } from 'node:fs'
const progs = JSON.parse(readFileSync(0, 'utf8'))
const rounds = []
for (let r = 0; r < Number(process.argv[2]); r++) {
  const times = []
  for (const p of progs) {
    for (const t of p.tests) {
      const t0 = performance.now()
      let out = ''
      const fn = new Function('require', 'console', p.js)
      fn(() => ({ readFileSync: () => t.stdin }), { log: (...a) => (out += a.join(' ') + '\n') })
      times.push(performance.now() - t0)
      if (out.trim() !== t.stdout.trim()) throw new Error(`${p.name}: ${out}`)
    }
  }
  rounds.push((times.reduce((a, b) => a + b, 0) / times.length) * 1000)
}
console.log(JSON.stringify({ perTestUs: rounds }))
