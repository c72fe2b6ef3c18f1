/**
 * CPU time of a server process and its descendants (wrangler dev runs workerd as a child), read from /proc:
 * utime and stime of every process in the tree, in milliseconds. Linux only; the bench says so where it is not.
 */
import { readdirSync, readFileSync } from 'node:fs'

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** [pid, ppid, utime, stime in ticks] of every process we can read. */
function processes(): [number, number, number, number][] {
  const out: [number, number, number, number][] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const f = statFields(Number(name))
    if (f) out.push([Number(name), Number(f[1]), Number(f[11]), Number(f[12])]) // else: exited meanwhile
  }
  return out
}

export interface CpuMs {
  user: number
  sys: number
}

/** CPU ms used so far by `pid` and every live descendant, in user and kernel mode. */
export function treeCpu(pid: number): CpuMs {
  const all = processes()
  const children = new Map<number, number[]>()
  for (const [p, pp] of all) children.set(pp, [...(children.get(pp) ?? []), p])
  const ticks = new Map(all.map(([p, , u, s]) => [p, [u, s]]))
  const sum = { user: 0, sys: 0 }
  const stack = [pid]
  while (stack.length) {
    const p = stack.pop()!
    const [u, s] = ticks.get(p) ?? [0, 0]
    sum.user += u * TICK_MS
    sum.sys += s * TICK_MS
    stack.push(...(children.get(p) ?? []))
  }
  return sum
}

/** CPU ms (user + kernel) used so far by `pid` and every live descendant. */
export function treeCpuMs(pid: number): number {
  const c = treeCpu(pid)
  return c.user + c.sys
}

/** Fields after the command name in /proc/<pid>/stat (null if the process is gone). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name may hold spaces and parentheses: fields start after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

/** The parent of `pid` (null if gone). */
export function parentPid(pid: number): number | null {
  const f = statFields(pid)
  return f ? Number(f[1]) : null
}

/** CPU ms of `pid`'s children that exited and were waited for (cutime + cstime): e.g. Postgres backends that ended. */
export function reapedChildrenMs(pid: number): number {
  const f = statFields(pid)
  return f ? (Number(f[13]) + Number(f[14])) * TICK_MS : 0
}
