/**
 * Where a step's time goes, from ORT's profiler (chrome-trace JSON: one "Node" event per kernel run, with the
 * op type in args.op_name and the duration in µs): time per op type over every traced run, largest first.
 */
import { readFile } from 'node:fs/promises'

interface TraceEvent { cat?: string; name?: string; dur?: number; args?: { op_name?: string } }

/** [op type, total ms, share of all kernel time] for the `top` largest op types. */
export async function summariseProfile(files: readonly string[], top = 12): Promise<[string, number, number][]> {
  const byOp = new Map<string, number>()
  for (const f of files) {
    for (const e of JSON.parse(await readFile(f, 'utf8')) as TraceEvent[]) {
      if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name) continue
      byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + (e.dur ?? 0))
    }
  }
  const total = [...byOp.values()].reduce((a, b) => a + b, 0) || 1
  return [...byOp].sort((a, b) => b[1] - a[1]).slice(0, top).map(([op, us]) => [op, Math.round(us / 100) / 10, Math.round((us / total) * 1000) / 1000])
}
