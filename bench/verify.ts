/**
 * bench:verify — answers/s of the `math` verifier on the whole corpus: the project's answer-equivalence corpus
 * (test/fixtures/verifiers/equivalence.jsonl, extracted answers) and the third-party corpus (both halves:
 * completions as models write them and references that may be full solutions), de-duplicated and shuffled with a
 * fixed seed, so no reference's parse is reused from the previous answer. Each answer goes through `verifyGroup`
 * with a group of one (extraction of both sides, normalisation, comparison) in one Node thread.
 * Side by side in the same process on the same pairs: the naive CAS-only baseline — @cortex-js/compute-engine
 * `parse` + `isSame`, falling back to numeric `N()` equality, on the raw strings, no extraction or normalisation.
 * Each side: one warm-up pass (loads the CAS), then BENCH_REPS (default 5) passes; reported as median [min–max]
 * per wall-clock second and per CPU second of this process (user + system: what one core gives when the machine
 * is shared, as the load average printed beside it says). Both report their agreement with the labels. The last
 * line is the headline.
 */
import { loadavg } from 'node:os'
import { ComputeEngine } from '@cortex-js/compute-engine'
import { loadEquivalenceCorpus } from '../test/fixtures/verifiers/index.js'
import { label, loadThirdParty, specFor } from '../test/fixtures/verifiers/third-party/index.js'
import { verifierSpec, verifyGroup, type VerifierSpec } from '../verifiers/index.js'
import { formatSpread, median } from './stats.js'

interface Pair {
  gold: string
  pred: string
  want: boolean
  spec: VerifierSpec
}

const plain = verifierSpec.parse({ type: 'math' })
const seen = new Set<string>()
const pairs: Pair[] = []
for (const p of [
  ...loadEquivalenceCorpus().map((c) => ({ gold: c.gold, pred: c.pred, want: c.equal, spec: plain })),
  ...[...loadThirdParty('tune'), ...loadThirdParty('heldout')].map((c) => ({ gold: c.gold, pred: c.pred, want: label(c) === 1, spec: specFor(c) })),
]) {
  const key = `${p.gold}\u0000${p.pred}`
  if (!seen.has(key)) {
    seen.add(key)
    pairs.push(p)
  }
}
// Fixed-seed Fisher–Yates (mulberry32), so consecutive pairs rarely share a reference.
let seed = 0x9e3779b9
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
for (let i = pairs.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1))
  ;[pairs[i], pairs[j]] = [pairs[j], pairs[i]]
}

const ce = new ComputeEngine()
function casOnly(gold: string, pred: string): boolean {
  try {
    const a = ce.parse(gold)
    const b = ce.parse(pred)
    if (!a.isValid || !b.isValid) return false
    if (a.isSame(b)) return true
    const x = a.N().re
    const y = b.N().re
    return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x))
  } catch {
    return false
  }
}

async function ours(p: Pair): Promise<boolean> {
  return (await verifyGroup(p.spec, { reference: p.gold, completions: [p.pred] })).rewards[0] === 1
}

const reps = Number(process.env.BENCH_REPS ?? 5)

async function measure(name: string, f: (p: Pair) => Promise<boolean> | boolean) {
  let agree = 0
  for (const p of pairs) if ((await f(p)) === p.want) agree++ // warm-up pass (loads the CAS)
  const wall: number[] = []
  const cpu: number[] = []
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    for (const p of pairs) await f(p)
    const c = process.cpuUsage(c0)
    wall.push(pairs.length / ((performance.now() - t0) / 1000))
    cpu.push(pairs.length / ((c.user + c.system) / 1e6))
  }
  const fmt = (xs: number[]) => formatSpread(xs).padStart(15)
  console.log(`${name.padEnd(46)} ${fmt(wall)} /s wall  ${fmt(cpu)} /CPU-s  agreement ${((100 * agree) / pairs.length).toFixed(1)}%`)
  return { perSec: median(wall), perCpu: median(cpu), agree: agree / pairs.length }
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')
console.log(`corpus: ${pairs.length} distinct pairs (shuffled), ${reps} passes per side after a warm-up, one thread (node ${process.version}), load average ${load()}`)
const a = await measure('cohort math (verifyGroup: extract, normalise, compare)', ours)
const b = await measure('baseline: CAS-only (compute-engine isSame + N)', (p) => casOnly(p.gold, p.pred))
console.log(
  `math verify: ${a.perCpu.toFixed(0)} answers per CPU-second (${a.perSec.toFixed(0)}/s wall, load average ${load()}) vs ${b.perCpu.toFixed(0)} for the CAS-only baseline = ${(a.perCpu / b.perCpu).toFixed(1)}x; agreement ${(100 * a.agree).toFixed(1)}% vs ${(100 * b.agree).toFixed(1)}%`,
)
