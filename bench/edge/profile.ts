/**
 * Summary of a V8 CPU profile (node --cpu-prof): busy time and the functions with the most self time.
 * Used by bench:edge (BENCH_CPU_PROF) on the server's main-thread profile; also `tsx bench/edge/profile.ts <dir>`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples: number[]
  timeDeltas: number[]
}

/** The largest .cpuprofile in `dir` (the main thread's; module-loader threads write small ones). */
export function mainProfile(dir: string): string | undefined {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0]
}

export function summariseProfile(file: string, top = 20): string[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame
    if (f.functionName === '(idle)') return
    const us = p.timeDeltas[i] ?? 0
    total += us
    const where = f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/.*?\/(?=(edge|schema|common|verifiers|cli)\/)/, '')}:${f.lineNumber + 1}` : ''
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim()
    self.set(key, (self.get(key) ?? 0) + us)
  })
  return [
    `profile ${file}: ${(total / 1000).toFixed(0)} ms busy; top self time:`,
    ...[...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`),
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = mainProfile(process.argv[2] ?? '.')
  if (!file) throw new Error(`no .cpuprofile in ${process.argv[2]}`)
  console.log(summariseProfile(file, Number(process.argv[3] ?? 25)).join('\n'))
}
