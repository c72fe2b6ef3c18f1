/**
 * bench:edge-ab — a same-run A/B of bench:edge between two git revisions, interleaved so that whatever else loads
 * the machine falls on both arms:
 *   npm run bench:edge-ab -- <revA> <revB> [pairs]      (default 4 pairs; e.g. main and a branch)
 * Each revision is checked out in a temporary worktree under the system temp dir, with this checkout's
 * node_modules linked in (no workerd there, so no wrangler scenarios: BENCH_ONLY defaults to node16,node64,floor)
 * and ../shared linked as the repo expects; bench/ is this checkout's in both (copied over theirs), so the bench
 * is the same and only the code under test differs. Each pair runs bench:edge once in A, then once in B (BENCH_REPS=1; the
 * other BENCH_* variables pass through, e.g. BENCH_ONLY=node16 BENCH_SECONDS=5). Prints every run's figures and,
 * per scenario and arm, the median over the pairs of groups/s, a client loop's p50 / p99, lease and submit p99,
 * and server / Postgres / load-generator CPU per group, with the pairs in which B was better. A revision older than what this bench
 * imports from edge/ and schema/ fails to start (its error is printed).
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Run, Scenario } from './edge.js'
import { median } from './stats.js'

const [revA, revB, pairsArg] = process.argv.slice(2)
if (!revA || !revB) {
  console.error('usage: npm run bench:edge-ab -- <revA> <revB> [pairs]')
  process.exit(2)
}
const PAIRS = Number(pairsArg ?? 4)
const root = resolve('.')
const dir = mkdtempSync(join(tmpdir(), 'cohort-edge-ab-'))
const git = (...args: string[]) => {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}

interface Arm {
  name: 'A' | 'B'
  rev: string
  path: string
  runs: Scenario[][]
}
const arms: Arm[] = [
  { name: 'A', rev: revA, path: join(dir, 'a'), runs: [] },
  { name: 'B', rev: revB, path: join(dir, 'b'), runs: [] },
]
const KEYS: [keyof Run, string, number][] = [
  ['groupsPerS', 'groups/s', 0],
  ['p50', 'p50 ms', 1],
  ['p99', 'p99 ms', 1],
  ['leaseP99', 'lease p99', 1],
  ['submitP99', 'submit p99', 1],
  ['cpuMsPerGroup', 'server CPU', 2],
  ['pgMsPerGroup', 'postgres', 2],
  ['loadMsPerGroup', 'load gen', 2],
]
/** Whether a larger value is better (throughput) or a smaller one (latency, CPU). */
const higherBetter = (k: keyof Run) => k === 'groupsPerS'

try {
  for (const arm of arms) {
    git('worktree', 'add', '--detach', arm.path, git('rev-parse', '--verify', `${arm.rev}^{commit}`))
    symlinkSync(join(root, 'node_modules'), join(arm.path, 'node_modules'))
    rmSync(join(arm.path, 'bench'), { recursive: true, force: true })
    cpSync(join(root, 'bench'), join(arm.path, 'bench'), { recursive: true })
    if (existsSync(resolve(root, '../shared')) && !existsSync(resolve(arm.path, '../shared'))) symlinkSync(resolve(root, '../shared'), resolve(arm.path, '../shared'))
    console.log(`${arm.name} = ${arm.rev} (${git('rev-parse', '--short', arm.rev)})`)
  }
  for (let pair = 1; pair <= PAIRS; pair++)
    for (const arm of arms) {
      const out = join(dir, `${arm.name}-${pair}.json`)
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/edge.ts'], {
        cwd: arm.path,
        encoding: 'utf8',
        env: { ...process.env, BENCH_REPS: '1', BENCH_ONLY: process.env.BENCH_ONLY ?? 'node16,node64,floor', BENCH_JSON: out },
      })
      if (r.status !== 0 || !existsSync(out)) throw new Error(`bench:edge in ${arm.rev} failed:\n${(r.stdout + r.stderr).slice(-3000)}`)
      const got = JSON.parse(readFileSync(out, 'utf8')) as { load: string; scenarios: Scenario[] }
      arm.runs.push(got.scenarios)
      console.log(`pair ${pair} ${arm.name} (load after ${got.load.split(' ')[0]}): ` +
        got.scenarios.map((s) => `${s.name} ${s.runs[0].groupsPerS.toFixed(0)} groups/s p99 ${s.runs[0].p99.toFixed(1)} ms CPU ${s.runs[0].cpuMsPerGroup.toFixed(2)}`).join('; '))
    }
  const names = arms[0].runs[0].map((s) => s.name)
  for (const name of names) {
    console.log(`\n${name}: median of ${PAIRS} pairs (B better in how many pairs)`)
    for (const [k, label, digits] of KEYS) {
      const vals = arms.map((a) => a.runs.map((r) => r.find((s) => s.name === name)?.runs[0][k] ?? NaN))
      const better = vals[0].filter((a, i) => (higherBetter(k) ? vals[1][i] > a : vals[1][i] < a)).length
      console.log(`  ${label.padEnd(11)} A ${median(vals[0]).toFixed(digits).padStart(8)}  B ${median(vals[1]).toFixed(digits).padStart(8)}  (${better}/${PAIRS})  ` +
        `A ${vals[0].map((v) => v.toFixed(digits)).join(' ')} | B ${vals[1].map((v) => v.toFixed(digits)).join(' ')}`)
    }
  }
} finally {
  for (const arm of arms) if (existsSync(arm.path)) spawnSync('git', ['worktree', 'remove', '--force', arm.path], { cwd: root })
  rmSync(dir, { recursive: true, force: true })
}
