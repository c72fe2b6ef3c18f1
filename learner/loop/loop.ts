/**
 * grpoLoop — online GRPO in memory, no database: the core of what the service does, reading like the algorithm.
 *
 *   for step = 1 … steps:
 *     handover   every syncEvery steps: snapshot the trainer's weights → a Generator over them (policy.ts)
 *     generate   G completions for each of promptsPerStep training prompts (sampled at the trainer's temperature)
 *     verify     reward each completion against its prompt's reference (verifier library)
 *     advantages group-normalised (common/advantages.ts); all-equal groups carry none (dropped under skipZeroStd)
 *     update     trainer.step: clipped objective + β·KL, old log-probs = the generator's (the behaviour policy)
 *     evaluate   every evalEvery steps (and after the last): greedy held-out accuracy with the current weights
 * The held-out split is evaluated once before the first step too. Returns the curve; onStep / onEval stream it.
 */
import type { EvalResult } from '../demo/eval.js'
import { evaluateHeldOut } from '../demo/eval.js'
import type { Generator } from '../generate/index.js'
import { shuffledCycle } from '../sample/index.js'
import { evalSummary, type LoopStepMetrics } from './metrics.js'
import { resolveLoopOptions, type LoopInput } from './options.js'
import { Snapshots } from './policy.js'
import { grpoBatch, rolloutStats, scoreGroups } from './rollout.js'

export interface LoopResult {
  /** held-out evaluation before the first step and after the last (null without a held-out split) */
  before: EvalResult | null
  after: EvalResult | null
  steps: LoopStepMetrics[]
}

/** Training prompts in a seeded shuffle, reshuffled at each pass. */

export async function grpoLoop(input: LoopInput): Promise<LoopResult> {
  const o = resolveLoopOptions(input)
  const { trainer } = o
  const temperature = trainer.train.temperature
  const next = shuffledCycle(o.prompts, o.seed)
  const secondsSince = (t: number) => (performance.now() - t) / 1000

  let generator: Generator | null = null
  let version = -1 // trainer updates behind the generator's weights
  const snapshots = new Snapshots()
  const handover = async () => {
    const t = performance.now()
    const opened = await o.generator(snapshots.take(trainer.policyWeights())) // with LoRA: base + scale·B·A merged
    await generator?.close()
    generator = opened
    version = trainer.updates
    return secondsSince(t)
  }
  const evaluate = async (step: number) => {
    const t = performance.now()
    const sync = version === trainer.updates ? 0 : await handover()
    const r = await evaluateHeldOut(generator!, o.heldOut, o.verifier, o.maxNewTokens)
    o.onEval?.(step, r)
    return { r, sync, seconds: secondsSince(t) - sync }
  }

  const steps: LoopStepMetrics[] = []
  try {
    const before = o.heldOut.length ? (await evaluate(0)).r : null
    let after = before
    for (let step = 1; step <= o.steps; step++) {
      const t0 = performance.now()
      // handover
      const sync = (step - 1) % o.syncEvery === 0 && version !== trainer.updates ? await handover() : 0
      const policyVersion = version
      // generate
      let t = performance.now()
      const items = next(o.promptsPerStep)
      const generations = await generator!.generate(items.map((i) => i.prompt), {
        n: o.groupSize, maxNewTokens: o.maxNewTokens, temperature, topP: o.topP, topK: o.topK, seed: o.seed * 1_000_003 + step,
      })
      const generate = secondsSince(t)
      // verify
      t = performance.now()
      const scored = await scoreGroups(items, generations, o.verifier)
      const stats = rolloutStats(scored)
      const verify = secondsSince(t)
      // advantages + update
      t = performance.now()
      const trained = o.skipZeroStd ? scored.filter((g) => g.rewards.some((r) => r !== g.rewards[0])) : scored
      const lag = trainer.updates - policyVersion
      const m = trained.length ? await trainer.step(grpoBatch(trained, o.scaleRewards, o.truncated)) : null
      const train = secondsSince(t)
      // evaluate
      const due = o.heldOut.length > 0 && (step === o.steps || (o.evalEvery > 0 && step % o.evalEvery === 0))
      const ev = due ? await evaluate(step) : null
      if (ev) after = ev.r
      const metrics: LoopStepMetrics = {
        step,
        policy_version: policyVersion,
        policy_version_lag: lag,
        reward: stats.reward,
        reward_std: stats.rewardStd,
        frac_reward_zero_std: stats.fracZeroStd,
        solved: stats.solved,
        'completions/mean_length': stats.meanLength,
        'completions/clipped_ratio': stats.clippedRatio,
        loss: m?.loss ?? NaN,
        kl: m?.kl ?? NaN,
        entropy: m?.entropy ?? NaN,
        'clip_ratio/region_mean': m?.['clip_ratio/region_mean'] ?? NaN,
        grad_norm: m?.grad_norm ?? NaN,
        groups_trained: trained.length,
        ...(ev && { eval: evalSummary(ev.r) }),
        seconds: { sync: sync + (ev?.sync ?? 0), generate, verify, train, eval: ev?.seconds ?? 0, total: secondsSince(t0) },
        generate_tokens_per_second: stats.tokens / generate,
        train_tokens_per_second: m ? m.num_tokens / train : 0,
      }
      steps.push(metrics)
      o.onStep?.(metrics)
    }
    return { before, after: o.steps > 0 ? after : before, steps }
  } finally {
    await (generator as Generator | null)?.close()
  }
}
