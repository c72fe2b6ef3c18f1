/**
 * bench:learner — learner throughput on this machine's CPU, side by side with PyTorch:
 *   1. GRPO step (forward + backward + grad clip + AdamW) through learner/trainer's Trainer, tokens/s = B·T / step
 *      (median of the timed steps after a warmup step), for the ~10M and ~100M configs of tools/torch/bench_configs
 *      at B = 8, T = 256 (128 prompt + 128 completion tokens), the setup of tools/torch/grpo_bench.py: grpo loss,
 *      β 0.04 with given reference log-probs, ε 0.2 / 0.28, temperature 0.7, clip 1.0, AdamW (decay 0.01), entropy.
 *   2. Generation with the KV cache through OnnxGenerator (prefill + decode graphs): 8 rows, prompt 32, 64 new
 *      tokens, temperature 1, no stop token; tokens/s = new tokens / wall time of generate().
 * Baseline: `/usr/bin/python3 tools/torch/grpo_bench.py` (Debian python3-torch on CPU; its JSON names the BLAS
 * actually linked and the best thread setting), same configs and shapes. Skipped with a note when
 * /usr/bin/python3 or torch is missing, or with --no-torch.
 *
 *   npm run bench:learner [-- --configs 10m,100m --steps N --threads 2 --gen-threads 1,2 --no-torch]
 * Timed steps: 2 for 10m and 1 for 100m unless --steps (keeps the default run near 5 minutes on an idle 2-core
 * machine). Each side reports its best thread setting: the baseline tries OMP/BLAS 1:1 and 2:2, generation here
 * tries --gen-threads (intra-op threads of onnxruntime); the step uses --threads (0 = one per core).
 * The last line is the headline: tokens/s per config and the ratio to PyTorch.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import * as ort from 'onnxruntime-node'
import { countParams, resolveConfig, type ModelConfig } from '../learner/config.js'
import { inferenceModel, OnnxGenerator } from '../learner/generate/index.js'
import { initParams } from '../learner/io/index.js'
import { createRng } from '../learner/sample/index.js'
import { Trainer } from '../learner/trainer/index.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const TORCH_SCRIPT = join(ROOT, 'tools/torch/grpo_bench.py')
const PYTHON = '/usr/bin/python3'
const B = 8
const T = 256
const COMPLETION = 128
const GEN = { rows: 8, prompt: 32, newTokens: 64 }

const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: '10m,100m' },
    steps: { type: 'string' },
    threads: { type: 'string', default: '0' },
    'gen-threads': { type: 'string', default: '1,2' },
    'no-torch': { type: 'boolean', default: false },
  },
})

interface Side {
  trainTokS: number
  genTokS: number
  note?: string
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a')
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a')

function loadConfig(name: string): ModelConfig {
  return resolveConfig(JSON.parse(readFileSync(join(ROOT, 'tools/torch/bench_configs', `${name}.json`), 'utf8')))
}

/** Random batch of the baseline's shape: ids [B,T], completion = the last COMPLETION tokens, old/ref log-probs near −ln V. */
function grpoBatch(cfg: ModelConfig) {
  const rng = createRng(1)
  const inputIds = Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(rng.next() * cfg.vocab_size)))
  const completionMask = inputIds.map((r) => r.map((_, t) => (t >= T - COMPLETION ? 1 : 0)))
  const near = () => inputIds.map((r) => r.map(() => -Math.log(cfg.vocab_size) + (rng.next() - 0.5) * 0.2))
  return { inputIds, completionMask, advantages: inputIds.map(() => rng.normal()), oldLogprobs: near(), refLogprobs: near() }
}

async function oursTrain(cfg: ModelConfig, params: Map<string, Float32Array>, steps: number, threads: number): Promise<number> {
  const trainer = new Trainer(cfg, params, {
    lr: 1e-5, lossType: 'grpo', beta: 0.04, epsilon: 0.2, epsilonHigh: 0.28, temperature: 0.7, maxGradNorm: 1,
    weightDecay: 0.01, microBatchSize: B, maxCompletionLength: COMPLETION, entropy: true, threads,
  })
  const batch = grpoBatch(cfg)
  const t0 = performance.now()
  await trainer.step(batch) // warmup: builds the graph and the session
  console.log(`  warmup step (graph build + session + step) ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const times: number[] = []
  for (let i = 0; i < steps; i++) {
    const t = performance.now()
    await trainer.step(batch)
    times.push((performance.now() - t) / 1000)
    console.log(`  step ${i + 1}/${steps}: ${times.at(-1)!.toFixed(2)} s`)
  }
  await trainer.runtime.close()
  return (B * T) / median(times)
}

async function oursGenerate(cfg: ModelConfig, params: Map<string, Float32Array>, threads: number): Promise<number> {
  const gen = new OnnxGenerator(
    inferenceModel({ config: cfg, params }, { batch: GEN.rows, promptLength: GEN.prompt, cacheLength: GEN.prompt + GEN.newTokens - 1 }),
    { threads },
  )
  const rng = createRng(2)
  const prompts = Array.from({ length: GEN.rows }, () => Array.from({ length: GEN.prompt }, () => Math.floor(rng.next() * cfg.vocab_size)))
  const opts = { n: 1, maxNewTokens: GEN.newTokens, temperature: 1, seed: 3, eos: [] as number[] }
  await gen.generate(prompts, opts) // warmup: graphs and sessions
  const t = performance.now()
  const out = await gen.generate(prompts, opts)
  const dt = (performance.now() - t) / 1000
  await gen.close()
  const tokens = out.reduce((s, g) => s + g.completions[0].tokenIds.length, 0)
  return tokens / dt
}

const run = promisify(execFile)

async function torchSide(name: string, steps: number): Promise<Side> {
  if (args['no-torch']) return { trainTokS: NaN, genTokS: NaN, note: 'skipped (--no-torch)' }
  if (!existsSync(PYTHON)) return { trainTokS: NaN, genTokS: NaN, note: `skipped: ${PYTHON} not found (apt-get install python3-torch libopenblas0-pthread)` }
  try {
    const { stdout } = await run(PYTHON, [TORCH_SCRIPT, '--config', name, '--batch', String(B), '--seq', String(T), '--completion', String(COMPLETION),
      '--steps', String(steps), '--warmup', '1', '--threads', '1:1,2:2', '--sample-batch', String(GEN.rows), '--prompt', String(GEN.prompt),
      '--new-tokens', String(GEN.newTokens)], { maxBuffer: 1 << 20 })
    const lines = stdout.trim().split('\n')
    const s = JSON.parse(lines.at(-1)!) as { tokens_per_s: number; sample_tokens_per_s: number; train_threads: string; sample_threads: string; blas: string; torch: string }
    return { trainTokS: s.tokens_per_s, genTokS: s.sample_tokens_per_s, note: `torch ${s.torch}, BLAS ${s.blas}, step best at ${s.train_threads}, sampling at ${s.sample_threads}` }
  } catch (e) {
    const msg = String((e as { stderr?: string }).stderr || (e as Error).message)
    return { trainTokS: NaN, genTokS: NaN, note: `skipped: the PyTorch baseline failed (${/No module named 'torch'/.test(msg) ? 'python3-torch not installed' : msg.trim().split('\n').at(-1)})` }
  }
}

async function main() {
  const names = args.configs!.split(',').map((s) => s.trim()).filter(Boolean)
  const threads = Number(args.threads)
  const genThreads = args['gen-threads']!.split(',').map(Number)
  const rows: { name: string; params: number; ours: Side; torch: Side }[] = []
  for (const name of names) {
    const cfg = loadConfig(name)
    const params = countParams(cfg)
    const steps = args.steps ? Number(args.steps) : params > 50e6 ? 1 : 2
    console.log(`\n== ${name}: ${(params / 1e6).toFixed(1)}M parameters, GRPO step B=${B} T=${T} (completion ${COMPLETION}), generation ${GEN.rows}×${GEN.newTokens} tokens after a ${GEN.prompt}-token prompt`)
    console.log(`ours (onnxruntime-node ${ort.env.versions.common} CPU EP, ${threads || 'one per core'} threads for the step)`)
    const weights = initParams(cfg, 0)
    const trainTokS = await oursTrain(cfg, weights, steps, threads)
    let genTokS = 0
    let genBest = 0
    for (const n of genThreads) {
      const x = await oursGenerate(cfg, weights, n)
      console.log(`  generation with ${n} thread(s): ${fmt(x)} tokens/s`)
      if (x > genTokS) [genTokS, genBest] = [x, n]
    }
    console.log(`  GRPO step ${fmt(trainTokS)} tokens/s; generation ${fmt(genTokS)} tokens/s (best at ${genBest} thread(s))`)
    console.log('PyTorch CPU baseline (tools/torch/grpo_bench.py)')
    const torch = await torchSide(name, steps)
    console.log(`  GRPO step ${fmt(torch.trainTokS)} tokens/s; generation ${fmt(torch.genTokS)} tokens/s${torch.note ? ` — ${torch.note}` : ''}`)
    rows.push({ name, params, ours: { trainTokS, genTokS }, torch })
  }
  console.log('\nconfig   params   step ours   step torch   ratio   gen ours   gen torch   ratio')
  for (const r of rows)
    console.log(`${r.name.padEnd(8)} ${(r.params / 1e6).toFixed(1).padStart(5)}M ${fmt(r.ours.trainTokS).padStart(11)} ${fmt(r.torch.trainTokS).padStart(12)} ${ratio(r.ours.trainTokS, r.torch.trainTokS).padStart(7)} ${fmt(r.ours.genTokS).padStart(10)} ${fmt(r.torch.genTokS).padStart(11)} ${ratio(r.ours.genTokS, r.torch.genTokS).padStart(7)}`)
  console.log(
    'headline: ' +
      rows.map((r) => `${r.name} GRPO step ${fmt(r.ours.trainTokS)} tok/s (${ratio(r.ours.trainTokS, r.torch.trainTokS)} PyTorch CPU), generation ${fmt(r.ours.genTokS)} tok/s (${ratio(r.ours.genTokS, r.torch.genTokS)})`).join('; '),
  )
}

await main()
