/**
 * bench:code — throughput of the code-tests verifier, against running the same programs directly (the floor).
 * Program set: bench/code/programs.ts (8 small stdin/stdout programs × 3 tests, JavaScript and Python).
 * Sandboxes measured (one process each, pool size 1, so per-test overhead is not hidden by parallelism):
 *   cold   a new pool: process start + runtime load (QuickJS / Pyodide) + the first program's tests
 *   warm   a started pool: tests/s over ROUNDS rounds of the whole set (median and spread of the rounds)
 *   QuickJS in-process (the workerd path, no process boundary), warm
 * Baselines (the floor, no isolation at all), in separate processes:
 *   node     one Node process, each test compiled with new Function, stdin/stdout shimmed (floor-node.mjs)
 *   python3  one CPython process (Debian's /usr/bin/python3), each test exec'd in a fresh namespace with StringIO
 *            stdin/stdout (floor.py)
 *   spawn    a fresh `node -e` / `python3 -c` process per test (what a naive runner does), one round
 * Ratio = sandbox warm per-test time / floor per-test time. Env: BENCH_ROUNDS (default 5), BENCH_COLD (3).
 */
import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { ProcessPool } from '../sandbox/index.js'
import { provideSandbox, verifierSpec, verifyGroup } from '../verifiers/index.js'
import { PROGRAMS } from './code/programs.js'
import { median } from './stats.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const COLD = Number(process.env.BENCH_COLD ?? 3)
const TESTS = PROGRAMS.reduce((n, p) => n + p.tests.length, 0)
type Lang = 'javascript' | 'python'

const spread = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`

async function runProgram(lang: Lang, i: number) {
  const p = PROGRAMS[i]
  const spec = verifierSpec.parse({ type: 'code-tests', language: lang, scoring: 'fraction' })
  const v = await verifyGroup(spec, { reference: JSON.stringify({ tests: p.tests }), completions: [lang === 'python' ? p.py : p.js] })
  if (v.rewards[0] !== 1) throw new Error(`${lang} ${p.name}: ${v.details[0].reason}`)
}

/** Per-test µs of each round over the whole set. */
async function rounds(lang: Lang, n: number): Promise<number[]> {
  const out: number[] = []
  for (let r = 0; r < n; r++) {
    const t0 = performance.now()
    for (let i = 0; i < PROGRAMS.length; i++) await runProgram(lang, i)
    out.push(((performance.now() - t0) * 1000) / TESTS)
  }
  return out
}

async function cold(lang: Lang): Promise<number[]> {
  const out: number[] = []
  for (let k = 0; k < COLD; k++) {
    const pool = new ProcessPool(lang, { size: 1 })
    provideSandbox(lang, pool)
    const t0 = performance.now()
    await runProgram(lang, 0)
    out.push(performance.now() - t0)
    await pool.close()
  }
  return out
}

function floor(lang: Lang): number[] {
  const script = fileURLToPath(new URL(lang === 'python' ? './code/floor.py' : './code/floor-node.mjs', import.meta.url))
  const r = spawnSync(lang === 'python' ? 'python3' : process.execPath, [script, String(ROUNDS)], { input: JSON.stringify(PROGRAMS), encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${lang} floor failed: ${r.stderr}`)
  return JSON.parse(r.stdout).perTestUs
}

function spawnPerTest(lang: Lang): number {
  const t0 = performance.now()
  for (const p of PROGRAMS)
    for (const t of p.tests) {
      const r = lang === 'python' ? spawnSync('python3', ['-c', p.py], { input: t.stdin, encoding: 'utf8' }) : spawnSync(process.execPath, ['-e', p.js], { input: t.stdin, encoding: 'utf8' })
      if (r.stdout.trim() !== t.stdout.trim()) throw new Error(`spawn ${lang} ${p.name}: ${r.stdout} ${r.stderr}`)
    }
  return ((performance.now() - t0) * 1000) / TESTS
}

const rows: string[] = []
const row = (what: string, perTestUs: number[], floorUs?: number) =>
  rows.push(
    `${what.padEnd(44)} ${String(Math.round(1e6 / median(perTestUs))).padStart(7)} tests/s  ${String(Math.round(median(perTestUs))).padStart(8)} µs/test (${spread(perTestUs)})` +
      (floorUs ? `  ×${(median(perTestUs) / floorUs).toFixed(0)} the floor` : ''),
  )

console.log(`bench:code — ${PROGRAMS.length} programs × 3 tests per language, ${ROUNDS} rounds, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
for (const lang of ['javascript', 'python'] as const) {
  const f = floor(lang)
  const floorUs = median(f)
  row(`${lang}: floor (${lang === 'python' ? 'python3' : 'node'} in-process, no isolation)`, f)
  row(`${lang}: spawn a ${lang === 'python' ? 'python3' : 'node'} process per test`, [spawnPerTest(lang)], floorUs)
  const c = await cold(lang)
  rows.push(`${`${lang}: cold sandbox (new process + runtime + 3 tests)`.padEnd(44)} ${String(Math.round(median(c))).padStart(7)} ms (${spread(c)})`)
  const pool = new ProcessPool(lang, { size: 1 })
  provideSandbox(lang, pool)
  await pool.warm()
  await rounds(lang, 1) // warm-up round: imports, JIT tiers
  row(`${lang}: warm sandbox (process pool, size 1)`, await rounds(lang, ROUNDS), floorUs)
  await pool.close()
  provideSandbox(lang, null)
  if (lang === 'javascript') {
    await rounds(lang, 1)
    row('javascript: QuickJS in-process (the workerd path)', await rounds(lang, ROUNDS), floorUs)
  }
  console.log(rows.splice(0).join('\n'))
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
