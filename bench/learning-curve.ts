/**
 * bench:learning-curve — issue 3's learning proof at length: from random init, SFT cold start, then online GRPO
 * (learner/loop) on the demo's arithmetic task with the `exact` reward; greedy held-out accuracy every few steps.
 * Settings: LEARNING_BENCH (learner/loop/proof.ts; the test's LEARNING_TEST run longer). Baseline: the SFT model
 * (the accuracy GRPO starts from). Control: the same SFT continued for as many more steps as GRPO ran (32 rows
 * each, trained on the reference answers — more signal per row than GRPO's binary reward, less compute per step). Prints the curve per step (reward, solved, held-out accuracy, KL, entropy,
 * tokens/s), writes bench/out/learning-curve.json (config + every step) and bench/out/learning-curve.svg (chart).
 *
 *   npm run learning-curve [-- --steps 400 --seed 1 --eval-every 20 --threads 1]
 * The last line is the headline: held-out accuracy SFT baseline → after GRPO, and the ratio.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { LEARNING_BENCH, sftThenGrpo, type LearningConfig, type LoopStepMetrics } from '../learner/loop/index.js'

const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: String(LEARNING_BENCH.steps) },
    seed: { type: 'string', default: String(LEARNING_BENCH.seed) },
    'eval-every': { type: 'string', default: String(LEARNING_BENCH.evalEvery) },
    threads: { type: 'string', default: String(LEARNING_BENCH.threads) },
  },
})
const c: LearningConfig = { ...LEARNING_BENCH, steps: Number(a.steps), seed: Number(a.seed), evalEvery: Number(a['eval-every']), threads: Number(a.threads) }
const OUT = join(import.meta.dirname, 'out')

const pct = (x: number) => `${(100 * x).toFixed(1)}%`
const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '–')
const t0 = performance.now()
const clock = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s`
console.log(`learning curve · ${c.arith.terms}-operand ${c.arith.ops} up to ${c.arith.maxOperand} (${c.arith.train} train / ${c.arith.heldOut} held out) · G ${c.groupSize} × ${c.promptsPerStep} prompts · ${c.steps} GRPO steps · seed ${c.seed} · ${c.threads} thread(s)`)
console.log(`${'step'.padStart(5)} ${'reward'.padStart(7)} ${'solved'.padStart(7)} ${'held-out'.padStart(9)} ${'kl'.padStart(7)} ${'entropy'.padStart(8)} ${'gen tok/s'.padStart(10)} ${'train tok/s'.padStart(12)} ${'sync ms'.padStart(8)}`)
const r = await sftThenGrpo(c, {
  onSft: (s, loss) => { if (s % 50 === 0 || s === c.sft.steps) console.log(`${clock()} SFT step ${s}/${c.sft.steps} · loss ${loss.toFixed(3)}`) },
  onEval: (s, e) => { if (s === 0) console.log(`${clock()} SFT baseline: held-out ${pct(e.accuracy)}`) },
  onStep: (m: LoopStepMetrics) =>
    console.log(
      `${String(m.step).padStart(5)} ${f(m.reward, 3).padStart(7)} ${pct(m.solved).padStart(7)} ${(m.eval ? pct(m.eval.accuracy) : '').padStart(9)} ${f(m.kl, 4).padStart(7)} ` +
        `${f(m.entropy, 3).padStart(8)} ${f(m.generate_tokens_per_second, 0).padStart(10)} ${f(m.train_tokens_per_second, 0).padStart(12)} ${(m.seconds.sync * 1000).toFixed(0).padStart(8)}`,
    ),
})

// ── outputs ────────────────────────────────────────────────────────────────────────────────────────────────
const steps = r.grpo.steps
const evals = [{ step: 0, accuracy: r.sft.accuracy }, ...steps.filter((m) => m.eval).map((m) => ({ step: m.step, accuracy: m.eval!.accuracy }))]
await mkdir(OUT, { recursive: true })
const control = await sftThenGrpo({ ...c, sft: { ...c.sft, steps: c.sft.steps + c.steps }, steps: 0 })
console.log(`control: SFT continued for ${c.steps} more steps (${c.sft.steps + c.steps} in all, ${control.sftSeconds.toFixed(0)} s): held-out ${pct(control.sft.accuracy)}`)
await writeFile(join(OUT, 'learning-curve.json'), JSON.stringify({ config: c, params: r.params, initial: r.initial.accuracy, sft: r.sft.accuracy, final: r.grpo.after?.accuracy, controlSft: control.sft.accuracy, sftSeconds: r.sftSeconds, grpoSeconds: r.grpoSeconds, evals, steps }, null, 2))
await writeFile(join(OUT, 'learning-curve.svg'), chart(c, steps, evals))
const sum = (k: (m: LoopStepMetrics) => number) => steps.reduce((n, m) => n + k(m), 0)
console.log(`phases: sync ${f(sum((m) => m.seconds.sync), 1)} s · generate ${f(sum((m) => m.seconds.generate), 1)} s · verify ${f(sum((m) => m.seconds.verify), 1)} s · train ${f(sum((m) => m.seconds.train), 1)} s · eval ${f(sum((m) => m.seconds.eval), 1)} s`)
console.log(`wrote ${join(OUT, 'learning-curve.json')} and learning-curve.svg`)
const before = r.sft.accuracy
const after = r.grpo.after?.accuracy ?? before
console.log(
  `held-out accuracy: random init ${pct(r.initial.accuracy)} · SFT baseline ${pct(before)} → after ${c.steps} GRPO steps ${pct(after)} ` +
    `(${((after - before) * 100).toFixed(1)} points, ${before > 0 ? (after / before).toFixed(2) : '∞'}× the SFT baseline; SFT continued instead: ${pct(control.sft.accuracy)}) · ${(r.params / 1e3).toFixed(0)}k params · SFT ${r.sftSeconds.toFixed(0)} s + GRPO ${r.grpoSeconds.toFixed(0)} s`,
)

/** A self-contained SVG: held-out accuracy (points) and training reward (line, 10-step mean) over GRPO steps; KL below. */
function chart(cfg: LearningConfig, ms: LoopStepMetrics[], acc: { step: number; accuracy: number }[]): string {
  const W = 720, H = 420, L = 50, R = 20, T = 30, top = 260, kTop = 300, B = 390
  const maxStep = Math.max(1, cfg.steps)
  const x = (s: number) => L + ((W - L - R) * s) / maxStep
  const y = (v: number) => top - (top - T) * v //                              [0,1] → accuracy / reward panel
  const klMax = Math.max(1e-6, ...ms.map((m) => (Number.isFinite(m.kl) ? m.kl : 0)))
  const yk = (v: number) => B - (B - kTop) * (v / klMax) //                     [0,klMax] → KL panel
  const smooth = ms.map((m, i) => { const w = ms.slice(Math.max(0, i - 9), i + 1); return w.reduce((n, q) => n + q.reward, 0) / w.length })
  const path = (pts: [number, number][]) => pts.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join('')
  const gridY = [0, 0.25, 0.5, 0.75, 1].map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v * 100}%</text>`).join('')
  const gridX = Array.from({ length: 5 }, (_, i) => Math.round((maxStep * i) / 4)).map((s) => `<text x="${x(s)}" y="${B + 16}" text-anchor="middle">${s}</text>`).join('')
  const klPts = ms.filter((m) => Number.isFinite(m.kl)).map((m): [number, number] => [x(m.step), yk(m.kl)])
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 20}" viewBox="0 0 ${W} ${H + 20}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${L}" y="16" font-size="13">GRPO after SFT: ${cfg.arith.terms}-operand ${cfg.arith.ops} up to ${cfg.arith.maxOperand}, G=${cfg.groupSize}×${cfg.promptsPerStep}, seed ${cfg.seed}</text>
${gridY}${gridX}
<path d="${path(smooth.map((v, i) => [x(ms[i].step), y(v)]))}" fill="none" stroke="#2563eb" stroke-width="1.5"/>
<path d="${path(acc.map((p) => [x(p.step), y(p.accuracy)]))}" fill="none" stroke="#dc2626" stroke-width="2"/>
${acc.map((p) => `<circle cx="${x(p.step)}" cy="${y(p.accuracy)}" r="3" fill="#dc2626"/>`).join('')}
<text x="${W - R}" y="${T + 4}" text-anchor="end" fill="#dc2626">held-out accuracy (greedy)</text>
<text x="${W - R}" y="${T + 18}" text-anchor="end" fill="#2563eb">training reward (sampled, 10-step mean)</text>
<line x1="${L}" x2="${W - R}" y1="${B}" y2="${B}" stroke="#9ca3af"/>
<path d="${path(klPts)}" fill="none" stroke="#059669" stroke-width="1"/>
<text x="${L - 6}" y="${kTop + 4}" text-anchor="end">${klMax.toFixed(2)}</text><text x="${L - 6}" y="${B + 4}" text-anchor="end">0</text>
<text x="${W - R}" y="${kTop + 4}" text-anchor="end" fill="#059669">KL(π‖π_ref) per token (k3)</text>
<text x="${(L + W - R) / 2}" y="${H + 14}" text-anchor="middle">GRPO step</text>
</svg>
`
}
