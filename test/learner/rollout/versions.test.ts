/**
 * PolicyVersions, the part the Node worker's PolicyCache and the browser's MemoryPolicies share: acquire waits
 * for a first version, one refresh serves concurrent callers, a newer version serves later groups while the old
 * generator is closed only after its last group, and close() closes once.
 */
import { describe, expect, it } from 'vitest'
import type { Generator } from '../../../learner/generate/index.js'
import type { BackoffOptions } from '../../../learner/rollout/backoff.js'
import { PolicyVersions } from '../../../learner/rollout/versions.js'

class FakeGenerator implements Generator {
  closed = 0
  constructor(readonly name: string) {}
  async generate(): Promise<never> {
    throw new Error('not used')
  }
  async close() {
    this.closed++
  }
}

/** Publishes what `published` says when asked; counts refreshes. */
class Scripted extends PolicyVersions {
  published: number | null = null
  refreshes = 0
  readonly opened: FakeGenerator[] = []
  constructor() {
    super(5)
  }
  protected override async refresh(_: BackoffOptions): Promise<void> {
    this.refreshes++
    await new Promise((r) => setTimeout(r, 5))
    const v = this.published
    if (v === null || (this.current && v <= this.current.version)) return
    const g = new FakeGenerator(`v${v}`)
    this.opened.push(g)
    this.switchTo(v, g)
  }
}

describe('PolicyVersions (shared by PolicyCache and the browser worker)', () => {
  it('waits until a first version is published, then hands it out', async () => {
    const p = new Scripted()
    expect(p.version).toBeNull()
    const got = p.acquire(0)
    await new Promise((r) => setTimeout(r, 40))
    expect(p.refreshes).toBeGreaterThan(1) // asked again every waitMs
    p.published = 0
    const policy = await got
    expect(policy.version).toBe(0)
    expect(p.version).toBe(0)
  })

  it('concurrent callers share one refresh', async () => {
    const p = new Scripted()
    p.published = 3
    const all = await Promise.all([p.acquire(0), p.acquire(2), p.acquire(3)])
    expect(all.map((x) => x.version)).toEqual([3, 3, 3])
    expect(p.refreshes).toBe(1)
  })

  it('a newer version serves later groups; the old generator closes after its last group, once', async () => {
    const p = new Scripted()
    p.published = 1
    const a = await p.acquire(0)
    const b = await p.acquire(1)
    p.published = 2
    const c = await p.acquire(2)
    expect([a.version, b.version, c.version]).toEqual([1, 1, 2])
    const [v1, v2] = p.opened
    a.release()
    a.release() // twice counts once
    expect(v1.closed).toBe(0) // b still generates with it
    b.release()
    expect(v1.closed).toBe(1)
    c.release()
    expect(v2.closed).toBe(0) // current: kept
    // asking for a version not yet published keeps the current one after one refresh
    const d = await p.acquire(5)
    expect(d.version).toBe(2)
    d.release()
  })

  it('close() closes the current generator once and leaves its version readable', async () => {
    const p = new Scripted()
    p.published = 4
    ;(await p.acquire(0)).release()
    await p.close()
    await p.close()
    expect(p.opened[0].closed).toBe(1)
    expect(p.version).toBe(4)
  })

  it('close() with a group still generating: the generator closes when that group is released', async () => {
    const p = new Scripted()
    p.published = 1
    const a = await p.acquire(0)
    await p.close()
    expect(p.opened[0].closed).toBe(0)
    a.release()
    expect(p.opened[0].closed).toBe(1)
  })
})
