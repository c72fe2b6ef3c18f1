/**
 * bench:learner — the learner's GRPO step and generation on this machine's CPU, side by side with PyTorch.
 *
 * Each side runs in its own fresh process (ours: bench/learner/ours.ts; PyTorch: tools/torch/grpo_bench.py
 * --serve), both resident at once, and their steps are interleaved (ours, torch, torch, ours, …) so drifting
 * machine load hits both alike. Both get the same thread count (--threads; default one per core: intra-op
 * threads for onnxruntime, OMP and OpenBLAS threads for PyTorch). One warm-up step each, then --steps timed
 * steps each (default 5): median and spread (min–max) are printed, tokens/s = B·T / median step.
 * Setup (bench/learner/setup.ts, mirrored by grpo_bench.py): 10M and 100M Llama configs (tools/torch/
 * bench_configs), B = 8, T = 256 (128 completion tokens), grpo loss, β 0.04, ε 0.2 / 0.28, temperature 0.7,
 * grad clip 1.0, AdamW (decay 0.01), entropy metric; the baseline computes logits only at completion positions
 * (TRL's logits_to_keep). Peak RSS of each process after its steps.
 * Generation: 8 rows × 64 new tokens after a 32-token prompt, KV-cached, temperature 1; each side tries every
 * --gen-threads setting (PyTorch one process per setting, OMP = BLAS threads), interleaved: --gen-reps rounds
 * (default 5), each one warm-up + one timed call per setting on each side, the side going first alternating; the median
 * tokens/s of each side's best setting is reported with its spread, and the median of the per-round ratios.
 * Version handover: ours = what the in-memory loop does per published version in the steady state (weights snapshot
 * into one of two reused buffer sets, fed to the prefill / decode sessions the versions share: nothing is
 * compiled), the median of 5 versions with its spread; the first version's session build is printed beside it; PyTorch = copying the new weights into the sampler's model (load_state_dict).
 * --profile: ORT's profiler on our step sessions; prints the op types that take the most kernel time.
 *
 *   npm run bench:learner [-- --configs 10m,100m --steps 5 --threads N --gen-threads 1,N --gen-reps 5 --no-torch --profile]
 * The baseline is skipped with a note when /usr/bin/python3 or torch is missing, or with --no-torch.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs, promisify } from 'node:util'
import * as ort from 'onnxruntime-node'
import { countParams, resolveConfig, type ModelConfig } from '../../learner/config.js'
import { loraSpecs, resolveLora } from '../../learner/lora/index.js'
import { B, COMPLETION, GEN, loadConfig, ROOT, T } from './setup.js'
import { spread, type Spread } from '../stats.js'

const TORCH_SCRIPT = join(ROOT, 'tools/torch/grpo_bench.py')
const PYTHON = '/usr/bin/python3'
const TSX = join(ROOT, 'node_modules/.bin/tsx')

const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: '10m,100m' },
    steps: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(availableParallelism()) },
    'gen-threads': { type: 'string' },
    'gen-reps': { type: 'string', default: '5' },
    'no-torch': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
})

/** A worker process speaking JSON lines (a command per line on stdin, one reply per command on stdout). */
class Worker {
  private readonly lines: AsyncIterator<string>
  readonly ready: Promise<Record<string, unknown>>
  constructor(readonly name: string, private readonly p: ChildProcess) {
    p.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`))
    this.lines = createInterface({ input: p.stdout! })[Symbol.asyncIterator]()
    this.ready = this.next()
  }
  private async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next()
    if (r.done) throw new Error(`${this.name} exited (code ${this.p.exitCode})`)
    return JSON.parse(r.value) as Record<string, unknown>
  }
  ask(cmd: string): Promise<Record<string, unknown>> {
    this.p.stdin!.write(cmd + '\n')
    return this.next()
  }
  async exit(): Promise<void> {
    this.p.stdin!.end('exit\n')
    await new Promise((r) => (this.p.exitCode === null ? this.p.once('exit', r) : r(null)))
  }
}

const fmt = (x: number | undefined, d = 1) => (x !== undefined && Number.isFinite(x) ? x.toFixed(d) : 'n/a')
const ratio = (a?: number, b?: number) => (a && b && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : 'n/a')
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ')
const run = promisify(execFile)

function torchMissing(): string | undefined {
  if (args['no-torch']) return 'skipped (--no-torch)'
  if (!existsSync(PYTHON)) return `skipped: ${PYTHON} not found (apt-get install python3-torch libopenblas0-pthread)`
  return undefined
}

interface Row {
  name: string
  params: number
  ours: { step?: Spread; rss?: number; gen?: number; genThreads?: number; handover?: number }
  torch: { step?: Spread; rss?: number; gen?: number; genThreads?: string; handover?: number; note?: string }
  /** ours / PyTorch generation tokens/s per interleaved round, each side's best setting in that round */
  genRatio?: Spread
}

async function benchConfig(name: string, steps: number, threads: number, genThreads: number[], genReps: number): Promise<Row> {
  const cfg = loadConfig(name)
  const row: Row = { name, params: countParams(cfg), ours: {}, torch: {} }
  console.log(`\n== ${name}: ${(row.params / 1e6).toFixed(1)}M parameters, GRPO step B=${B} T=${T} (completion ${COMPLETION}), ${threads} thread(s) each side; load average ${load()}`)
  const ours = new Worker('ours', spawn(TSX, [join(ROOT, 'bench/learner/ours.ts'), '--config', name, '--threads', String(threads), ...(args.profile ? ['--profile'] : [])], { stdio: 'pipe' }))
  await ours.ready
  let torch: Worker | undefined
  row.torch.note = torchMissing()
  if (!row.torch.note) {
    const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) }
    torch = new Worker('torch', spawn(PYTHON, [TORCH_SCRIPT, '--serve', `${threads}:${threads}`, '--config', name, '--batch', String(B), '--seq', String(T), '--completion', String(COMPLETION)], { stdio: 'pipe', env }))
    try {
      const r = await torch.ready
      row.torch.note = `torch ${r.torch}, BLAS ${r.blas}, ${r.threads}`
    } catch (e) {
      row.torch.note = `skipped: the PyTorch baseline failed (${(e as Error).message})`
      torch = undefined
    }
  }
  const times: Record<'ours' | 'torch', number[]> = { ours: [], torch: [] }
  for (let i = 0; i <= steps; i++) {
    const order = i % 2 ? [torch, ours] : [ours, torch] // alternate who goes first
    for (const w of order) {
      if (!w) continue
      const r = await w.ask('step')
      const s = r.step_s as number
      if (i > 0) times[w.name as 'ours' | 'torch'].push(s)
      console.log(`  ${w.name.padEnd(5)} ${i === 0 ? 'warm-up' : `step ${i}/${steps}`}: ${s.toFixed(2)} s`)
    }
  }
  row.ours.step = spread(times.ours)
  row.ours.rss = (await ours.ask('rss')).max_rss_mb as number
  if (torch) {
    row.torch.step = spread(times.torch)
    row.torch.rss = (await torch.ask('rss')).max_rss_mb as number
    await torch.exit()
  }
  if (args.profile) {
    const { ops } = await ours.ask('profile') as { ops: [string, number, number][] }
    console.log(`  ORT profile of our ${steps + 1} steps (kernel time by op type):`)
    for (const [op, ms, share] of ops) console.log(`    ${op.padEnd(22)} ${ms.toFixed(0).padStart(8)} ms  ${(share * 100).toFixed(1).padStart(5)} %`)
  }
  // Generation, interleaved like the steps: each round times one call per thread setting on our side (after its own
  // warm-up call) and one per setting on PyTorch's (a fresh process per round: its thread settings are env vars).
  const oursRates = new Map<number, number[]>(genThreads.map((n) => [n, []]))
  const torchRates = new Map<string, number[]>()
  const roundRatios: number[] = []
  const oursRound = async () => {
    for (const n of genThreads) oursRates.get(n)!.push((await ours.ask(`gen ${n}`)).gen_tok_s as number)
    return Math.max(...genThreads.map((n) => oursRates.get(n)!.at(-1)!))
  }
  const torchRound = async () => {
    const { stdout } = await run(PYTHON, [TORCH_SCRIPT, '--config', name, '--steps', '0', '--warmup', '0', '--threads', genThreads.map((n) => `${n}:${n}`).join(','),
      '--sample-batch', String(GEN.rows), '--prompt', String(GEN.prompt), '--new-tokens', String(GEN.newTokens), '--sample-reps', '1'], { maxBuffer: 1 << 20 })
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { threads?: string; sample_tokens_per_s: number; handover_s: number })
    const settings = lines.slice(0, -1) // one line per setting, then the summary
    for (const l of settings) torchRates.set(l.threads!, [...(torchRates.get(l.threads!) ?? []), l.sample_tokens_per_s])
    row.torch.handover = lines.at(-1)!.handover_s
    return Math.max(...settings.map((l) => l.sample_tokens_per_s))
  }
  for (let r = 0; r < genReps; r++) {
    if (!torch) { await oursRound(); continue }
    try {
      // the side that goes first alternates by round, so a drift in the machine's speed hits both alike
      const [o, t] = r % 2 ? await torchRound().then(async (t) => [await oursRound(), t]) : await oursRound().then(async (o) => [o, await torchRound()])
      roundRatios.push(o / t)
    } catch (e) {
      row.torch.note += `; generation failed: ${String((e as { stderr?: string }).stderr || e).trim().split('\n').at(-1)}`
      break
    }
  }
  for (const [n, xs] of oursRates) {
    const x = spread(xs)
    console.log(`  ours  generation with ${n} thread(s): ${fmt(x.median)} tokens/s (${fmt(x.min)}–${fmt(x.max)})`)
    if (!(x.median <= (row.ours.gen ?? 0))) [row.ours.gen, row.ours.genThreads] = [x.median, n]
  }
  for (const [setting, xs] of torchRates) {
    const x = spread(xs)
    console.log(`  torch generation at ${setting}: ${fmt(x.median)} tokens/s (${fmt(x.min)}–${fmt(x.max)})`)
    if (!(x.median <= (row.torch.gen ?? 0))) [row.torch.gen, row.torch.genThreads] = [x.median, setting]
  }
  if (roundRatios.length) {
    row.genRatio = spread(roundRatios)
    console.log(`  generation ratio per round (best of each side in the round): ${roundRatios.map((x) => x.toFixed(2)).join(', ')} → median ${fmt(row.genRatio.median, 2)}×`)
  }
  const h = await ours.ask('handover')
  row.ours.handover = h.handover_s as number
  console.log(`  ours  version handover ${fmt(row.ours.handover * 1000, 1)} ms (median of 5 steady-state versions, ${fmt((h.handover_min_s as number) * 1000, 1)}–${fmt((h.handover_max_s as number) * 1000, 1)}; the first version, which compiles the shared sessions: ${fmt((h.first_s as number) * 1000, 0)} ms)`)
  await ours.exit()
  console.log(`  load average after: ${load()}`)
  return row
}

async function main() {
  const threads = Number(args.threads)
  const steps = Number(args.steps)
  if (!(Number.isInteger(threads) && threads > 0 && Number.isInteger(steps) && steps > 0)) throw new Error('--threads and --steps must be positive integers')
  const genReps = Number(args['gen-reps'])
  if (!(Number.isInteger(genReps) && genReps > 0)) throw new Error('--gen-reps must be a positive integer')
  const genThreads = (args['gen-threads'] ?? [...new Set([1, threads])].join(',')).split(',').map(Number)
  console.log(`bench:learner — onnxruntime-node ${ort.env.versions.common} CPU EP vs PyTorch CPU (tools/torch/grpo_bench.py), ${steps} timed steps after 1 warm-up, interleaved`)
  const rows: Row[] = []
  for (const name of args.configs!.split(',').map((s) => s.trim()).filter(Boolean)) rows.push(await benchConfig(name, steps, threads, genThreads, genReps))
  const tok = (s?: Spread) => (s ? (B * T) / s.median : undefined)
  const step = (s?: Spread) => (s ? `${s.median.toFixed(2)} s (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : 'n/a')
  console.log('\nconfig  params  step ours (median, min–max)  step torch (median, min–max)  tok/s ours  tok/s torch  ratio  RSS ours  RSS torch  gen ours  gen torch  ratio  handover ours  handover torch')
  for (const r of rows) {
    console.log([
      r.name.padEnd(7), `${(r.params / 1e6).toFixed(1)}M`.padStart(6), step(r.ours.step).padStart(27), step(r.torch.step).padStart(29),
      fmt(tok(r.ours.step)).padStart(11), fmt(tok(r.torch.step)).padStart(12), ratio(tok(r.ours.step), tok(r.torch.step)).padStart(6),
      `${fmt(r.ours.rss, 0)} MB`.padStart(9), `${fmt(r.torch.rss, 0)} MB`.padStart(10), fmt(r.ours.gen).padStart(9), fmt(r.torch.gen).padStart(10),
      ratio(r.ours.gen, r.torch.gen).padStart(6), `${fmt((r.ours.handover ?? NaN) * 1000, 1)} ms`.padStart(14), `${fmt((r.torch.handover ?? NaN) * 1000, 1)} ms`.padStart(15),
    ].join(' '))
    if (r.torch.note) console.log(`        baseline: ${r.torch.note}; generation best at ours ${r.ours.genThreads} / torch ${r.torch.genThreads ?? 'n/a'} thread(s)`)
    if (r.genRatio) console.log(`        generation ratio per interleaved round: median ${fmt(r.genRatio.median, 2)}× (${fmt(r.genRatio.min, 2)}–${fmt(r.genRatio.max, 2)})`)
  }
  // LoRA: AdamW keeps m and v (float32) for the adapters only (the Trainer allocates exactly loraSpecs' tensors)
  const hf = (f: string) => resolveConfig(JSON.parse(readFileSync(join(ROOT, 'test/fixtures/hf-configs', `${f}.json`), 'utf8')))
  const models: [string, ModelConfig][] = [...rows.map((r): [string, ModelConfig] => [r.name, loadConfig(r.name)]), ['Qwen3-0.6B', hf('qwen3-0.6b')], ['Llama-3.2-1B', hf('llama-3.2-1b-instruct')]]
  console.log('\nAdamW state (m + v, float32): full fine-tuning vs LoRA r 8 on all seven projections')
  for (const [name, c] of models) {
    const full = countParams(c)
    const lora = loraSpecs(c, resolveLora({ r: 8 })).reduce((n, sp) => n + sp.shape[0] * sp.shape[1], 0)
    console.log(`  ${name.padEnd(13)} full ${fmt((8 * full) / 2 ** 20, 1).padStart(8)} MiB (${(full / 1e6).toFixed(1)}M params)   LoRA ${fmt((8 * lora) / 2 ** 20, 1).padStart(7)} MiB (${(lora / 1e6).toFixed(2)}M adapter params, ${((100 * lora) / full).toFixed(2)} %)`)
  }
  console.log('headline: ' + rows.map((r) => `${r.name} GRPO step ${fmt(tok(r.ours.step))} tok/s (${ratio(tok(r.ours.step), tok(r.torch.step))} PyTorch CPU), generation ${fmt(r.ours.gen)} tok/s (${ratio(r.ours.gen, r.torch.gen)})`).join('; '))
}

await main()
