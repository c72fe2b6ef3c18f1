/**
 * bench/sft-curves.ts — the demo's SFT cold start per seed, checked every `every` steps on three splits: the SFT
 * rows themselves (train), the validation prompts (the ones the stop rule reads) and the held-out prompts the demo
 * reports. The cold start is deterministic per seed, so this shows where each stop rule would stop and what held-out
 * accuracy (and memorisation: train − held-out) that start has, without running GRPO.
 *
 *   npm run bench:sft-curves -- [--seeds 1,2,3,4,5 --steps 600 --every 25 --lr 3e-3 --wd 0.1 --batch 32 --validation 64]
 */
import { parseArgs } from 'node:util'
import { inferenceModel, OnnxGenerator } from '../learner/generate/index.js'
import { DEFAULT_DEMO } from '../learner/demo/config.js'
import { arithmeticTask, ARITH_VERIFIER, type TaskItem } from '../learner/demo/arith.js'
import { evaluateHeldOut } from '../learner/demo/eval.js'
import { sftColdStart, validationSplit } from '../learner/demo/sft.js'
import { tinyModel } from '../learner/service/index.js'
import { byteTokenizer, promptIds } from '../learner/tokenizer/index.js'
import { Trainer } from '../learner/trainer/index.js'

const { values: a } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    steps: { type: 'string', default: '600' },
    every: { type: 'string', default: '25' },
    lr: { type: 'string', default: String(DEFAULT_DEMO.sft.lr) },
    wd: { type: 'string', default: String(DEFAULT_DEMO.sft.weightDecay ?? 0) },
    batch: { type: 'string', default: String(DEFAULT_DEMO.sft.batchSize) },
    validation: { type: 'string', default: String(DEFAULT_DEMO.sft.validation) },
    schedule: { type: 'string', default: 'constant' },
  },
})
const c = DEFAULT_DEMO
const tok = byteTokenizer()
const out: unknown[] = []
for (const seed of a.seeds!.split(',').map(Number)) {
  const split = arithmeticTask({ ...c.arith, seed })
  const heldOut = split.heldOut.slice(0, c.evalPrompts)
  const { sft: items, validation } = validationSplit(split.train, Number(a.validation))
  const longest = Math.max(...[...split.train, ...split.heldOut].map((i) => promptIds(tok, i.prompt).length))
  const promptLength = Math.ceil(longest / 8) * 8
  const bucket = { batch: 16, promptLength, cacheLength: promptLength + c.maxNewTokens }
  const base = { ...tinyModel(seed, { ...c.model, max_position_embeddings: Math.max(c.model.max_position_embeddings ?? 0, bucket.cacheLength) }), tokenizer: tok }
  const acc = async (xs: readonly TaskItem[]) => {
    const gen = new OnnxGenerator(inferenceModel(base, bucket), { threads: 1 })
    try {
      return (await evaluateHeldOut(gen, xs, ARITH_VERIFIER, c.maxNewTokens)).accuracy
    } finally {
      await gen.close()
    }
  }
  const steps = Number(a.steps)
  const trainer = new Trainer(base.config, base.params, {
    lr: Number(a.lr), warmupSteps: 10, threads: 1, entropy: false, microBatchSize: Number(a.batch), weightDecay: Number(a.wd),
    ...(a.schedule === 'cosine' && { schedule: 'cosine' as const, totalSteps: steps, minLrRatio: 0.1 }),
  })
  const t0 = performance.now()
  let last = { train: 0, held: 0 }
  const line: string[] = []
  const curve: { step: number; train: number; val: number; held: number }[] = []
  await sftColdStart(trainer, tok, items, {
    steps, batchSize: Number(a.batch), seed,
    until: {
      target: 2, every: Number(a.every),
      validate: async () => {
        last = { train: await acc(items), held: await acc(heldOut) }
        return acc(validation)
      },
      onCheck: (step, val) => {
        curve.push({ step, ...last, val })
        line.push(`${step}:${pc(last.train)}/${pc(val)}/${pc(last.held)}`)
      },
    },
  })
  await trainer.close()
  console.log(`seed ${seed} (${((performance.now() - t0) / 1000).toFixed(0)} s) step:train/val/held  ${line.join(' ')}`)
  out.push({ seed, args: a, curve })
}
const { writeFileSync, mkdirSync } = await import('node:fs')
mkdirSync('bench/out', { recursive: true })
const file = `bench/out/sft-curves-lr${a.lr}-wd${a.wd}-b${a.batch}-v${a.validation}-${a.schedule}.json`
writeFileSync(file, JSON.stringify(out, null, 1))
console.log(`wrote ${file}`)
function pc(x: number) { return (100 * x).toFixed(0) }
