/**
 * Our side of bench:learner, in its own process (as the PyTorch side): a Trainer for one config, driven by lines
 * on stdin so that the parent can interleave its steps with the baseline's. Replies are JSON lines on stdout.
 *   step            one GRPO step                → {"step_s", "loss"}
 *   rss             peak resident set so far     → {"max_rss_mb"}
 *   gen <threads>   generation tokens/s of one timed call after a warm-up call → {"gen_tok_s"} (KV-cached
 *                   OnnxGenerator; the parent interleaves these calls with PyTorch's)
 *   handover        a new version to the sampler → {"handover_s", "handover_min_s", "handover_max_s", "first_s"}
 *                   (weights snapshot into a reused buffer set + weight tensors on the sessions shared with the
 *                   previous version, steady state: median of versions 3 … 7; first_s: the first version, which
 *                   compiles them)
 *   profile         ORT profile of the steps run since start (with --profile) → {"ops": [[op, ms, share]…]}
 *   exit
 *   tsx bench/learner/ours.ts --config 10m --threads 2 [--profile]
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { inferenceModel, OnnxGenerator } from '../../learner/generate/index.js'
import { initParams } from '../../learner/io/index.js'
import { onnxGenerator, Snapshots } from '../../learner/loop/index.js'
import { Trainer } from '../../learner/trainer/index.js'
import { spread } from '../stats.js'
import { summariseProfile } from './profile.js'
import { genWorkload, grpoBatch, loadConfig, TRAIN } from './setup.js'

const { values: args } = parseArgs({ options: { config: { type: 'string', default: '10m' }, threads: { type: 'string', default: '0' }, profile: { type: 'boolean', default: false } } })
const cfg = loadConfig(args.config!)
const params = initParams(cfg, 0)
const profilePrefix = join(tmpdir(), `cohort-ort-profile-${process.pid}`)
const trainer = new Trainer(cfg, params, { ...TRAIN, threads: Number(args.threads) }, { profile: args.profile ? profilePrefix : undefined })
const batch = grpoBatch(cfg)
const { bucket, prompts, options: genOpts } = genWorkload(cfg)

/** tokens/s of one timed generate call after one warm-up call (graphs and sessions). */
async function generation(threads: number): Promise<number> {
  const gen = new OnnxGenerator(inferenceModel({ config: cfg, params }, bucket), { threads })
  await gen.generate(prompts, genOpts)
  const t = performance.now()
  const out = await gen.generate(prompts, genOpts)
  const dt = (performance.now() - t) / 1000
  await gen.close()
  return out.reduce((s, g) => s + g.completions[0].tokenIds.length, 0) / dt
}

/**
 * What the in-memory loop does per published version (learner/loop: Snapshots, policy.ts onnxGenerator): snapshot
 * the weights into the buffer set of two versions back, open a generator on the runtime shared with the previous
 * version, warm it, close the previous one. The first version compiles the sessions (first_s); the second fills
 * the second buffer set for the first time; the handover is timed from the third version on (the steady state),
 * HANDOVERS of them: median and spread. (A single timed third version caught the garbage collection the second set's
 * 40 MB allocation had just started at 10M: V8's "external memory pressure" mark-compacts, 30–60 ms against 5 ms.)
 */
const HANDOVERS = 5
async function handover(): Promise<{ handover_s: number; handover_min_s: number; handover_max_s: number; first_s: number }> {
  const open = onnxGenerator({ config: cfg }, bucket, { threads: Number(args.threads) })
  const snapshots = new Snapshots()
  const one = { n: 1, maxNewTokens: 1, temperature: 0 }
  const t = performance.now()
  let prev = await open(snapshots.take(params))
  await prev.generate([prompts[0]], one)
  const first = (performance.now() - t) / 1000
  const v1 = await open(snapshots.take(params))
  await prev.close()
  prev = v1
  const times: number[] = []
  for (let i = 0; i < HANDOVERS; i++) {
    const t = performance.now()
    const next = await open(snapshots.take(params))
    await prev.close()
    times.push((performance.now() - t) / 1000)
    prev = next
  }
  await prev.close()
  const s = spread(times)
  return { handover_s: s.median, handover_min_s: s.min, handover_max_s: s.max, first_s: first }
}

const reply = (o: object) => process.stdout.write(JSON.stringify(o) + '\n')
reply({ ready: true })
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(/\s+/)
  if (cmd === 'step') {
    const t = performance.now()
    const m = await trainer.step(batch)
    reply({ step_s: (performance.now() - t) / 1000, loss: m.loss })
  } else if (cmd === 'rss') reply({ max_rss_mb: Math.round(process.resourceUsage().maxRSS / 102.4) / 10 })
  else if (cmd === 'gen') reply({ gen_tok_s: await generation(Number(arg)) })
  else if (cmd === 'handover') reply(await handover())
  else if (cmd === 'profile') {
    const files = await trainer.runtime.endProfiling()
    reply({ ops: await summariseProfile(files) })
    await Promise.all(files.map((f) => rm(f, { force: true })))
  } else if (cmd === 'exit') break
  else throw new Error(`unknown command ${line}`)
}
await trainer.close()
