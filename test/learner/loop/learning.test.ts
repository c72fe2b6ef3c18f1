/**
 * Issue 3's learning proof: from random init, a short SFT cold start then online GRPO with the `exact` reward on
 * held-out-split arithmetic (LEARNING_TEST in learner/loop/proof.ts: 2-operand addition up to 19, a ~0.1M-
 * parameter byte-level Llama, fixed seed). Asserts that SFT leaves a modest baseline (not saturated), that GRPO
 * raises greedy held-out accuracy by a conservative margin over it, and that the sampled training reward rose.
 * Prints the curve. About a minute on 2 busy cores; bench/learning-curve.ts runs the longer version.
 */
import { describe, expect, it } from 'vitest'
import { LEARNING_TEST, loopLine, sftThenGrpo } from '../../../learner/loop/index.js'

/** held-out accuracy points GRPO must add over the SFT baseline (measured gain with this seed: see the log) */
const MARGIN = 0.15
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

describe('learning: SFT then GRPO on arithmetic', () => {
  it('raises held-out accuracy well beyond the SFT baseline, and the training reward', async () => {
    const c = LEARNING_TEST
    const lines: string[] = []
    const r = await sftThenGrpo(c, {
      onEval: (step, e) => lines.push(`eval after step ${step}: held-out ${(100 * e.accuracy).toFixed(1)}% (${e.n} prompts)`),
      onStep: (m) => { if (m.step % 10 === 0 || m.step === 1) lines.push(loopLine(m)) },
    })
    const rewards = r.grpo.steps.map((m) => m.reward)
    const w = Math.min(20, Math.floor(rewards.length / 4))
    const [first, last] = [mean(rewards.slice(0, w)), mean(rewards.slice(-w))]
    console.log(
      [
        `model ${(r.params / 1e3).toFixed(0)}k params · random init ${(100 * r.initial.accuracy).toFixed(1)}% · SFT (${c.sft.steps} steps, ${r.sftSeconds.toFixed(0)} s) ${(100 * r.sft.accuracy).toFixed(1)}%`,
        ...lines,
        `GRPO ${c.steps} steps in ${r.grpoSeconds.toFixed(0)} s: held-out ${(100 * r.sft.accuracy).toFixed(1)}% → ${(100 * r.grpo.after!.accuracy).toFixed(1)}%, ` +
          `training reward (mean of ${w} steps) ${first.toFixed(3)} → ${last.toFixed(3)}`,
      ].join('\n'),
    )
    expect(r.initial.accuracy).toBeLessThan(0.05) // random weights cannot do it
    expect(r.sft.accuracy).toBeGreaterThanOrEqual(0.05) // SFT taught the format …
    // … and left room for GRPO's margin below (since the fused log-softmax of 7a90b14 the same seed's SFT reads 65%,
    // not 20%: a different float32 trajectory, the goldens unchanged; GRPO still adds 31 points)
    expect(r.sft.accuracy).toBeLessThanOrEqual(1 - MARGIN - 0.1)
    expect(r.grpo.after!.accuracy).toBeGreaterThanOrEqual(r.sft.accuracy + MARGIN)
    expect(last).toBeGreaterThan(first + 0.05)
    // the run stayed on-policy and sane
    for (const m of r.grpo.steps) expect(m.policy_version_lag).toBe(0)
    expect(r.grpo.steps.filter((m) => m.groups_trained > 0).every((m) => Number.isFinite(m.loss) && Number.isFinite(m.kl))).toBe(true)
  }, 600_000)
})
