/**
 * Static shape arithmetic: numpy broadcasting, axis normalisation, and the axes a broadcast added
 * (used by gradient rules to reduce a gradient back to an input's shape).
 */
import type { Shape } from './types.js'
import { fmtShape } from './types.js'

/** numpy broadcasting of any number of shapes; throws naming the op on mismatch. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length))
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    let d = 1
    for (const s of shapes) {
      const k = s.length - rank + i
      const e = k < 0 ? 1 : s[k]
      if (e === 1) continue
      if (d !== 1 && d !== e) throw new Error(`${op}: cannot broadcast ${shapes.map(fmtShape).join(' with ')}`)
      d = e
    }
    out.push(d)
  }
  return out
}

/** Normalise a possibly negative axis against `rank`; throws when out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} out of range for rank ${rank}`)
  return a
}

/** Axes of `out` (a broadcast result) that must be summed to get back to `inp`'s shape (in out's numbering). */
export function broadcastAxes(inp: Shape, out: Shape): number[] {
  const lead = out.length - inp.length
  const axes: number[] = []
  for (let i = 0; i < out.length; i++) {
    if (i < lead) axes.push(i)
    else if (inp[i - lead] === 1 && out[i] !== 1) axes.push(i)
  }
  return axes
}

export const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i])
