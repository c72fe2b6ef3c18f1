/**
 * Seeded pseudo-random numbers: xoshiro128** (32-bit state words, plain JS integer ops), seeded through
 * splitmix32 so nearby seeds give unrelated streams. Same seed → same sequence on every platform.
 */

export interface Rng {
  /** uniform 32-bit unsigned integer */
  nextU32(): number
  /** uniform float in [0, 1) with 53 random bits */
  next(): number
  /** standard normal N(0, 1) (Box–Muller) */
  normal(): number
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number, got ${seed}`)
  // fold the high bits of a large seed in so seeds ≥ 2^32 differ too
  const sm = splitmix32((seed >>> 0) ^ Math.floor(seed / 2 ** 32))
  let a = sm()
  let b = sm()
  let c = sm()
  let d = sm()
  if ((a | b | c | d) === 0) a = 1
  let spare: number | null = null
  const nextU32 = () => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return r
  }
  const next = () => ((nextU32() >>> 5) * 67108864 + (nextU32() >>> 6)) / 9007199254740992
  const normal = () => {
    if (spare !== null) {
      const s = spare
      spare = null
      return s
    }
    let u = 0
    while (u === 0) u = next()
    const v = next()
    const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
  return { nextU32, next, normal }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/** Fisher–Yates shuffle of `order` in place, drawing from `rng`. */
export function shuffleInPlace<T>(order: T[], rng: Rng): T[] {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.nextU32() % (i + 1)
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  return order
}

/** An endless stream of `items`: each pass a fresh seeded permutation; `next(n)` takes the next n. */
export function shuffledCycle<T>(items: readonly T[], seed: number): (n: number) => T[] {
  const rng = createRng(seed)
  const order = items.map((_, i) => i)
  let at = order.length
  return (n) =>
    Array.from({ length: n }, () => {
      if (at === order.length) {
        shuffleInPlace(order, rng)
        at = 0
      }
      return items[order[at++]]
    })
}
