/**
 * bench:verify-ab — the `math` verifier of two git revisions in one process, interleaved, on the bench:verify pairs:
 *   npm run bench:verify-ab -- <revA> <revB> [rounds]      (default 30 rounds; e.g. 69395f5 main)
 * Each revision's verifiers/ is unpacked (git archive) into a temporary directory with this checkout's package.json
 * and node_modules linked in, and imported beside the other, so both run in the same process on the same pairs: this
 * checkout's equivalence corpus and both halves of its third-party corpus, de-duplicated, each as a group of one with
 * the default `math` spec (not each source's settings: the same work for both arms). After one warm-up pass per arm
 * (loads the CAS), each round runs one pass of each arm, the order alternating between rounds, and reports each pass's
 * CPU seconds (user + system) and how many pairs scored 1; the last line is the per-round B/A CPU ratio, median
 * [min–max], how many rounds B was slower, and the load average (run an A/A — one revision twice — for the noise floor).
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadEquivalenceCorpus } from '../test/fixtures/verifiers/index.js'
import { loadThirdParty } from '../test/fixtures/verifiers/third-party/index.js'
import { formatSpread, median } from './stats.js'

const [revA, revB, roundsArg] = process.argv.slice(2)
if (!revA || !revB) {
  console.error('usage: npm run bench:verify-ab -- <revA> <revB> [rounds]')
  process.exit(2)
}
const ROUNDS = Number(roundsArg ?? 30)
const root = resolve('.')
const dir = mkdtempSync(join(tmpdir(), 'cohort-verify-ab-'))

interface Verifiers {
  verifierSpec: { parse(x: unknown): unknown }
  verifyGroup(spec: unknown, input: { reference: string; completions: string[] }): Promise<{ rewards: (number | null)[] }>
}

/** The revision's verifiers/, importable: its files with this checkout's package.json and node_modules. */
async function unpack(rev: string, name: string): Promise<Verifiers> {
  const path = join(dir, name)
  mkdirSync(path)
  const tar = spawnSync('git', ['archive', rev, 'verifiers'], { cwd: root, maxBuffer: 1 << 28 })
  if (tar.status !== 0) throw new Error(`git archive ${rev}: ${tar.stderr}`)
  const untar = spawnSync('tar', ['-x', '-C', path], { input: tar.stdout })
  if (untar.status !== 0) throw new Error(`tar: ${untar.stderr}`)
  cpSync(join(root, 'package.json'), join(path, 'package.json'))
  symlinkSync(join(root, 'node_modules'), join(path, 'node_modules'))
  return (await import(pathToFileURL(join(path, 'verifiers', 'index.ts')).href)) as Verifiers
}

const seen = new Set<string>()
const pairs: { gold: string; pred: string }[] = []
for (const p of [...loadEquivalenceCorpus(), ...loadThirdParty('tune'), ...loadThirdParty('heldout')]) {
  const key = `${p.gold}\u0000${p.pred}`
  if (!seen.has(key)) {
    seen.add(key)
    pairs.push({ gold: p.gold, pred: p.pred })
  }
}

async function pass(v: Verifiers): Promise<{ cpu: number; ones: number }> {
  const spec = v.verifierSpec.parse({ type: 'math' })
  let ones = 0
  const c0 = process.cpuUsage()
  for (const p of pairs) if ((await v.verifyGroup(spec, { reference: p.gold, completions: [p.pred] })).rewards[0] === 1) ones++
  const c = process.cpuUsage(c0)
  return { cpu: (c.user + c.system) / 1e6, ones }
}

try {
  const a = await unpack(revA, 'a')
  const b = await unpack(revB, 'b')
  await pass(a)
  await pass(b)
  const ratios: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const [first, second] = r % 2 ? [b, a] : [a, b]
    const x = await pass(first)
    const y = await pass(second)
    const [pa, pb] = r % 2 ? [y, x] : [x, y]
    ratios.push(pb.cpu / pa.cpu)
    console.log(`round ${r + 1}: A ${pa.cpu.toFixed(3)} s CPU (${pa.ones} scored 1), B ${pb.cpu.toFixed(3)} s CPU (${pb.ones} scored 1)`)
  }
  const load = loadavg().map((l) => l.toFixed(1)).join(' ')
  console.log(
    `verify A/B, ${revA} vs ${revB}: ${pairs.length} pairs, ${ROUNDS} interleaved rounds, load ${load}: B/A CPU ratio ${formatSpread(ratios, 3)} (median ${median(ratios).toFixed(3)}), B slower in ${ratios.filter((x) => x > 1).length}/${ROUNDS}`,
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
