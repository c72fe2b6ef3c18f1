/**
 * bench:verify — answers/s of the `math` equivalence check on the answer-equivalence corpus
 * (test/fixtures/verifiers/equivalence.jsonl), single core (one Node thread), after one warm-up pass.
 * Side by side with a baseline run in the same process on the same pairs: the naive CAS-only path — every pair
 * goes through @cortex-js/compute-engine `parse` + `isSame`, falling back to numeric `N()` equality, with no
 * normalisation, fast paths or shape handling. Both report their agreement with the corpus labels.
 * The last line is the headline.
 */
import { ComputeEngine } from '@cortex-js/compute-engine'
import { loadEquivalenceCorpus, type EquivalenceCase } from '../test/fixtures/verifiers/index.js'
import { mathEqual, verifierSpec, verifyGroup } from '../verifiers/index.js'

const rows = loadEquivalenceCorpus()

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

async function measure(name: string, f: (c: EquivalenceCase) => Promise<boolean> | boolean, minMs: number) {
  let agree = 0
  for (const c of rows) if ((await f(c)) === c.equal) agree++ // warm-up pass (loads the CAS)
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < minMs) {
    for (const c of rows) await f(c)
    n += rows.length
  }
  const perSec = n / ((performance.now() - t0) / 1000)
  console.log(`${name.padEnd(44)} ${perSec.toFixed(0).padStart(7)} answers/s   agreement ${((100 * agree) / rows.length).toFixed(1)}%`)
  return { perSec, agree: agree / rows.length }
}

const ms = Number(process.env.BENCH_MS ?? 3000)
console.log(`corpus: ${rows.length} pairs, ${ms} ms per side, single thread (node ${process.version})`)
const ours = await measure('cohort math (normalise, fast paths, CAS)', async (c) => (await mathEqual(c.gold, c.pred)).equal, ms)
const base = await measure('baseline: CAS-only (compute-engine isSame+N)', (c) => casOnly(c.gold, c.pred), ms)

// The edge's real shape (informational): verifyGroup on groups of G = 8 completions sharing one reference, half
// answering the corpus prediction in a sentence, half the gold GSM8K-style; the reference's CAS parse is reused.
const spec = verifierSpec.parse({ type: 'math' })
const groups = rows.map((c) => ({ reference: c.gold, completions: Array.from({ length: 8 }, (_, k) => (k % 2 ? `The answer is \\boxed{${c.pred}}.` : `#### ${c.gold}`)) }))
for (const g of groups) await verifyGroup(spec, g)
let answers = 0
const g0 = performance.now()
while (performance.now() - g0 < ms) for (const g of groups) answers += (await verifyGroup(spec, g)).rewards.length
console.log(`${'verifyGroup, G=8 per reference'.padEnd(44)} ${(answers / ((performance.now() - g0) / 1000)).toFixed(0).padStart(7)} answers/s`)
console.log(
  `math verify: ${ours.perSec.toFixed(0)} answers/s vs ${base.perSec.toFixed(0)} answers/s CAS-only baseline = ${(ours.perSec / base.perSec).toFixed(1)}x; agreement ${(100 * ours.agree).toFixed(1)}% vs ${(100 * base.agree).toFixed(1)}%`,
)
