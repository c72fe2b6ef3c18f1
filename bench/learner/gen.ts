/**
 * Generation only, on our side (bench:learner's generation setup: 8 rows × 64 new tokens after a 32-token prompt,
 * temperature 1): tokens/s over --reps runs (median), optionally ORT's profile of the decode/prefill sessions and
 * the node count of the optimised graphs.
 *   tsx bench/learner/gen.ts --config 10m --threads 2 [--reps 5] [--profile]
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { inferenceModel, OnnxGenerator } from '../../learner/generate/index.js'
import { initParams } from '../../learner/io/index.js'
import { Runtime } from '../../learner/runtime/index.js'
import { median } from '../stats.js'
import { summariseProfile } from './profile.js'
import { genWorkload, loadConfig } from './setup.js'

const { values: args } = parseArgs({ options: { config: { type: 'string', default: '10m' }, threads: { type: 'string', default: '2' }, reps: { type: 'string', default: '5' }, profile: { type: 'boolean', default: false } } })
const cfg = loadConfig(args.config!)
const params = initParams(cfg, 0)
const { bucket, prompts, options: genOpts } = genWorkload(cfg)
const prefix = join(tmpdir(), `cohort-gen-profile-${process.pid}`)
const runtime = new Runtime({ threads: Number(args.threads), profile: args.profile ? prefix : undefined })
runtime.retain()
const gen = new OnnxGenerator(inferenceModel({ config: cfg, params }, bucket), { shared: runtime })
await gen.generate(prompts, genOpts)
const t0 = performance.now()
const rates: number[] = []
const cpu: number[] = []
for (let i = 0; i < Number(args.reps); i++) {
  const t = performance.now()
  const c = process.cpuUsage()
  const out = await gen.generate(prompts, genOpts)
  const n = out.reduce((s, g) => s + g.completions[0].tokenIds.length, 0)
  const dc = process.cpuUsage(c)
  rates.push(n / ((performance.now() - t) / 1000))
  cpu.push((dc.user + dc.system) / 1000 / n)
}
console.log(`${args.config} gen tok/s median ${median(rates).toFixed(1)} (${rates.map((r) => r.toFixed(0)).join(' ')}); CPU ms/token median ${median(cpu).toFixed(3)} (${cpu.map((r) => r.toFixed(2)).join(' ')})`)
console.log(`  wall of the timed calls ${(performance.now() - t0).toFixed(0)} ms`)
if (args.profile) {
  const files = await runtime.endProfiling()
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
await gen.close()
await runtime.release()
