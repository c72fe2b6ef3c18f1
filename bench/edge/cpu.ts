/**
 * CPU time of a server process and its descendants (wrangler dev runs workerd as a child), read from /proc:
 * utime + stime of every process in the tree, in milliseconds. Linux only; the bench says so where it is not.
 */
import { readdirSync, readFileSync } from 'node:fs'

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** [pid, ppid, utime + stime in ticks] of every process we can read. */
function processes(): [number, number, number][] {
  const out: [number, number, number][] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // the command name may hold spaces and parentheses: fields start after the last ')'
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.push([Number(name), Number(f[1]), Number(f[11]) + Number(f[12])])
    } catch {
      /* exited meanwhile */
    }
  }
  return out
}

/** CPU ms used so far by `pid` and every live descendant. */
export function treeCpuMs(pid: number): number {
  const all = processes()
  const children = new Map<number, number[]>()
  for (const [p, pp] of all) children.set(pp, [...(children.get(pp) ?? []), p])
  const ticks = new Map(all.map(([p, , t]) => [p, t]))
  let sum = 0
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()!
    sum += ticks.get(p) ?? 0
    stack.push(...(children.get(p) ?? []))
  }
  return sum * TICK_MS
}
