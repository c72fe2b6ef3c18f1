/**
 * bench/demo-ab.ts — A/B of demo settings at equal GRPO steps, interleaved: for each seed, each variant runs as its
 * own `startDemo` process (variants of one seed at the same time, so they share the machine's load), and the table
 * prints the held-out accuracy after SFT, after GRPO and the gain per seed and variant.
 *
 *   npm run bench:demo-ab -- --seeds 1,2,3,4,5 --steps 1200 --variants '{"A":{},"B":{"train":{"lr":8e-4}}}'
 * A variant is a partial DemoConfig merged one level deep into the defaults (train, learn, sft: field by field).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values: a } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    steps: { type: 'string', default: '1200' },
    variants: { type: 'string' },
    child: { type: 'string' },
  },
})

if (a.child) {
  const { DEFAULT_DEMO, startDemo } = await import('../learner/demo/index.js')
  const o = JSON.parse(a.child)
  const v = o.variant
  const h = await startDemo({
    ...v, seed: o.seed, grpoSteps: o.steps, port: 0, dataDir: o.dir, quiet: true,
    train: { ...DEFAULT_DEMO.train, ...v.train }, learn: { ...DEFAULT_DEMO.learn, ...v.learn }, sft: { ...DEFAULT_DEMO.sft, ...v.sft },
  })
  await h.done
  process.exit(0)
}

const variants = JSON.parse(a.variants!) as Record<string, unknown>
const work = mkdtempSync(join(tmpdir(), 'cohort-demo-ab-'))
const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
const t0 = performance.now()
const clock = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(5)}s`
const rows: string[] = []
const res: Record<string, number[]> = {}
for (const seed of a.seeds!.split(',').map(Number)) {
  const loads = [load1()]
  const sampler = setInterval(() => loads.push(load1()), 5000)
  const out = await Promise.all(Object.entries(variants).map(([name, variant]) => new Promise<string>((resolve, reject) => {
    const dir = join(work, `${name}-${seed}`)
    const child = spawn(join(import.meta.dirname, '../node_modules/.bin/tsx'), [join(import.meta.dirname, 'demo-ab.ts'), '--child', JSON.stringify({ seed, steps: Number(a.steps), dir, variant })], { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${name} seed ${seed}: exit ${code}`))
      const run = readdirSync(dir).find((d) => /^\d{4}-/.test(d))!
      const s = JSON.parse(readFileSync(join(dir, run, 'summary.json'), 'utf8'))
      const accs = s.versions.map((v: any) => v.accuracy).filter((x: any) => x !== null)
      const gain = s.finalAccuracy - s.sftAccuracy
      ;(res[name] ??= []).push(gain)
      resolve(`${name.padEnd(6)} seed ${seed}: SFT ${s.sftSteps} steps ${pc(s.sftAccuracy)} → GRPO ${s.learner.steps} steps ${pc(s.finalAccuracy)} (${gain >= 0 ? '+' : ''}${(100 * gain).toFixed(1)}), peak ${pc(Math.max(...accs))}, groups ${s.learner.groupsTrained}, ${s.grpoSeconds.toFixed(0)} s`)
    })
  })))
  clearInterval(sampler)
  const load = `load ${(loads.reduce((x, y) => x + y, 0) / loads.length).toFixed(1)} (${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)})`
  for (const l of out) { console.log(`${clock()} ${l} · ${load}`); rows.push(l) }
}
for (const [name, g] of Object.entries(res)) {
  const s = [...g].sort((x, y) => x - y)
  console.log(`${name}: gains ${g.map((x) => (100 * x).toFixed(1)).join(', ')} · median ${(100 * s[Math.floor(s.length / 2)]).toFixed(1)} · ≥ 20: ${g.filter((x) => Math.round(1000 * x) >= 200).length}/${g.length}`)
}
function pc(x: number) { return `${(100 * x).toFixed(1)}%` }
