/**
 * bench:demo-seeds — the main job's promise for every seed, not one: runs `cohort demo` (what `npm start` runs,
 * with its defaults) for seeds 1..5, each in its own process and run folder, and prints per seed the held-out
 * accuracy after the SFT cold start, after GRPO, the gain, and the load average while it ran. The GRPO phase is
 * wall-clock limited (--minutes), so a busy machine gets fewer GRPO steps: a seed that gains under load gains on
 * a quiet machine too; to compare settings at equal work on a busy machine, give every run the updates an idle one
 * makes in the default 3 minutes (~1200): `-- --grpo-steps 1200`. Writes bench/out/demo-seeds.json.
 *
 *   npm run bench:demo-seeds [-- --seeds 1,2,3,4,5 --parallel 1 --minutes 3]   (about 4.5 minutes a seed at parallel 1)
 * Extra demo flags after `--` go to every run, e.g. `npm run bench:demo-seeds -- --seeds 3 -- --sft-target 0.4`.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { DemoSummary } from '../learner/demo/index.js'

const { values: a, positionals: extra } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    parallel: { type: 'string', default: '1' },
    minutes: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  allowPositionals: true,
})
const seeds = a.seeds!.split(',').map(Number)
const parallel = Math.max(1, Number(a.parallel))
const ROOT = join(import.meta.dirname, '..')
const OUT = join(import.meta.dirname, 'out')
const work = mkdtempSync(join(tmpdir(), 'cohort-demo-seeds-'))
const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
const t0 = performance.now()
const clock = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(5)}s`

interface SeedResult {
  seed: number
  sftSteps: number
  sft: number
  grpo: number
  peak: number
  gain: number
  grpoSteps: number
  groupsTrained: number
  /** groups the workers submitted (trained + stale + flagged + left untrained at the end) */
  groupsGenerated: number
  groupsStale: number
  /** share of the GRPO phase the learner spent inside its steps (claim → update → publish): near 1, the learner
   *  is the bottleneck; well below, it waits for the workers' groups */
  learnerBusy: number
  sftSeconds: number
  grpoSeconds: number
  /** load average (1 min) sampled every 5 s while the run went */
  load: { mean: number; min: number; max: number }
}

function runSeed(seed: number): Promise<SeedResult> {
  const dataDir = join(work, `seed-${seed}`)
  const args = ['cli/run.ts', 'demo', '--seed', String(seed), '--port', '0', '--data-dir', dataDir, ...(a.minutes ? ['--minutes', a.minutes] : []), ...extra]
  const loads: number[] = [load1()]
  const sampler = setInterval(() => loads.push(load1()), 5000)
  console.log(`${clock()} seed ${seed}: cohort demo ${args.slice(2).join(' ')}`)
  return new Promise((resolveRun, reject) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let buf = ''
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        // progress: the SFT checks and result, and each evaluated version
        if (/SFT done|validation accuracy|held-out accuracy/.test(line) && !line.startsWith('held-out')) console.log(`${clock()} seed ${seed} │ ${line}`)
      }
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(sampler)
      loads.push(load1())
      if (code !== 0) return reject(new Error(`seed ${seed}: cohort demo exited ${code}`))
      const run = readdirSync(dataDir).find((d) => /^\d{4}-/.test(d))
      const s = JSON.parse(readFileSync(join(dataDir, run!, 'summary.json'), 'utf8')) as DemoSummary
      const evaluated = s.versions.map((v) => v.accuracy).filter((x): x is number => x !== null)
      resolveRun({
        seed,
        sftSteps: s.sftSteps,
        sft: s.sftAccuracy,
        grpo: s.finalAccuracy,
        peak: Math.max(s.finalAccuracy, ...evaluated),
        gain: s.finalAccuracy - s.sftAccuracy,
        grpoSteps: s.learner.steps,
        groupsTrained: s.learner.groupsTrained,
        groupsGenerated: s.rolloutGroups,
        groupsStale: s.learner.groupsStale,
        learnerBusy: s.learner.seconds > 0 ? s.learner.trainSeconds / s.learner.seconds : 0,
        sftSeconds: s.sftSeconds,
        grpoSeconds: s.grpoSeconds,
        load: { mean: loads.reduce((x, y) => x + y, 0) / loads.length, min: Math.min(...loads), max: Math.max(...loads) },
      })
    })
  })
}

console.log(`bench:demo-seeds · seeds ${seeds.join(',')} · ${parallel} at a time · ${readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => l.startsWith('processor')).length} CPUs · load ${readFileSync('/proc/loadavg', 'utf8').trim()}`)
const results: SeedResult[] = []
const queue = [...seeds]
await Promise.all(
  Array.from({ length: parallel }, async () => {
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const r = await runSeed(seed)
      results.push(r)
      console.log(`${clock()} seed ${seed} done: held-out ${pct(r.sft)} after SFT (${r.sftSteps} steps) → ${pct(r.grpo)} after GRPO (${pts(r.gain)})`)
    }
  }),
)
if (!a.keep) rmSync(work, { recursive: true, force: true })
results.sort((x, y) => x.seed - y.seed)

function pct(x: number) {
  return `${(100 * x).toFixed(1)}%`
}
function pts(x: number) {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pts`
}
const head = ['seed', 'SFT steps', 'after SFT', 'after GRPO', 'gain', 'peak', 'GRPO steps', 'groups trained/made', 'stale', 'learner busy', 'SFT s', 'GRPO s', 'load (mean, min–max)']
const rows = results.map((r) => [
  String(r.seed), String(r.sftSteps), pct(r.sft), pct(r.grpo), pts(r.gain), pct(r.peak), String(r.grpoSteps), `${r.groupsTrained}/${r.groupsGenerated}`, String(r.groupsStale), `${(100 * r.learnerBusy).toFixed(0)}%`,
  r.sftSeconds.toFixed(0), r.grpoSeconds.toFixed(0), `${r.load.mean.toFixed(1)} (${r.load.min.toFixed(1)}–${r.load.max.toFixed(1)})`,
])
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
console.log(['', head.map((h, i) => h.padStart(w[i])).join('  '), ...rows.map((r) => r.map((x, i) => x.padStart(w[i])).join('  '))].join('\n'))
// ≥ 20 points on the rounded gain: 51.25 % − 31.25 % is 0.19999… in floating point
const gains = results.map((r) => r.gain).sort((x, y) => x - y)
console.log(`gain over the SFT start: median ${pts(gains[Math.floor(gains.length / 2)])}, min ${pts(gains[0])}, max ${pts(gains.at(-1)!)} · ${results.filter((r) => Math.round(1000 * r.gain) >= 200).length}/${results.length} seeds gained ≥ 20 points`)
await mkdir(OUT, { recursive: true })
await writeFile(join(OUT, 'demo-seeds.json'), JSON.stringify({ args: extra, minutes: a.minutes ?? 'default', parallel, results }, null, 2))
console.log(`wrote ${join(OUT, 'demo-seeds.json')} · ${clock()} in all`)
