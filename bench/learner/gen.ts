/**
 * Generation only, on our side (bench:learner's generation setup: 8 rows × 64 new tokens after a 32-token prompt,
 * temperature 1): tokens/s over --reps runs (median), optionally ORT's profile of the decode/prefill sessions and
 * the node count of the optimised graphs.
 * --compare-spinning: a second generator on its own runtime that leaves onnxruntime's intra-op workers spinning
 * after each run (its default; OnnxGenerator stops them), the two timed in alternation (the one going first
 * alternating), with the median of the per-rep ratios.
 *   tsx bench/learner/gen.ts --config 10m --threads 2 [--reps 5] [--profile] [--compare-spinning]
 */
import { rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { inferenceModel, OnnxGenerator } from '../../learner/generate/index.js'
import { initParams } from '../../learner/io/index.js'
import { Runtime } from '../../learner/runtime/index.js'
import { median } from '../stats.js'
import { summariseProfile } from './profile.js'
import { genWorkload, loadConfig } from './setup.js'

const { values: args } = parseArgs({
  options: {
    config: { type: 'string', default: '10m' }, threads: { type: 'string', default: '2' }, reps: { type: 'string', default: '5' },
    profile: { type: 'boolean', default: false }, 'compare-spinning': { type: 'boolean', default: false },
  },
})
const cfg = loadConfig(args.config!)
const params = initParams(cfg, 0)
const { bucket, prompts, options: genOpts } = genWorkload(cfg)
const prefix = join(tmpdir(), `cohort-gen-profile-${process.pid}`)
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ')
const variants = [{ label: 'workers stop spinning', keepSpinning: false }, ...(args['compare-spinning'] ? [{ label: 'workers keep spinning', keepSpinning: true }] : [])]
const runs = variants.map((v, i) => {
  const runtime = new Runtime({ threads: Number(args.threads), profile: args.profile && i === 0 ? prefix : undefined })
  runtime.retain()
  const gen = new OnnxGenerator(inferenceModel({ config: cfg, params }, bucket), { shared: runtime, keepSpinning: v.keepSpinning })
  return { ...v, runtime, gen, rates: [] as number[], cpu: [] as number[] }
})
console.log(`load average ${load()}`)
for (const r of runs) await r.gen.generate(prompts, genOpts)
const t0 = performance.now()
for (let i = 0; i < Number(args.reps); i++) {
  for (const r of i % 2 ? [...runs].reverse() : runs) {
    const t = performance.now()
    const c = process.cpuUsage()
    const out = await r.gen.generate(prompts, genOpts)
    const n = out.reduce((s, g) => s + g.completions[0].tokenIds.length, 0)
    const dc = process.cpuUsage(c)
    r.rates.push(n / ((performance.now() - t) / 1000))
    r.cpu.push((dc.user + dc.system) / 1000 / n)
  }
}
for (const r of runs) {
  const label = runs.length > 1 ? ` (${r.label})` : ''
  console.log(`${args.config} gen tok/s${label} median ${median(r.rates).toFixed(1)} (${r.rates.map((x) => x.toFixed(0)).join(' ')}); CPU ms/token median ${median(r.cpu).toFixed(3)} (${r.cpu.map((x) => x.toFixed(2)).join(' ')})`)
}
if (runs.length > 1) console.log(`  per-rep ratio stop / keep spinning: median ${median(runs[0].rates.map((x, i) => x / runs[1].rates[i])).toFixed(3)}`)
console.log(`  wall of the timed calls ${(performance.now() - t0).toFixed(0)} ms; load average ${load()}`)
if (args.profile) {
  const files = await runs[0].runtime.endProfiling()
  for (const [op, ms, share] of await summariseProfile(files, 16)) console.log(`  ${op.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms ${(share * 100).toFixed(1).padStart(5)} %`)
  const { readFile } = await import('node:fs/promises')
  let run = 0, kern = 0
  for (const f of files) for (const e of JSON.parse(await readFile(f, 'utf8')) as { cat?: string; name?: string; dur?: number }[]) {
    if (e.name === 'model_run') run += e.dur ?? 0
    if (e.cat === 'Node' && e.name?.endsWith('_kernel_time')) kern += e.dur ?? 0
  }
  console.log(`  model_run total ${(run / 1000).toFixed(0)} ms, kernels ${(kern / 1000).toFixed(0)} ms, over ${Number(args.reps) + 1} generate calls`)
  await Promise.all(files.map((f) => rm(f, { force: true })))
}
for (const r of runs) {
  await r.gen.close()
  await r.runtime.release()
}
