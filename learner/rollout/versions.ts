/**
 * What a worker's policy sources share (PolicyCache on disk, the browser's MemoryPolicies in memory): the current
 * version's generator, handed to slots per group by `acquire` and taken back by `release`; a newer version
 * replaces it for later groups and the old generator is closed once its last group is done; one refresh runs at
 * a time. This module imports no Node built-ins and no onnxruntime, so the browser bundle can take it.
 */
import type { Generator } from '../generate/index.js'
import { sleep, type BackoffOptions } from './backoff.js'

/** Where a worker gets the policy to generate with: PolicyCache (a folder on disk) or the browser's in memory. */
export interface PolicySource {
  /** version generated with now (null before the first) */
  readonly version: number | null
  /** the policy to generate with, at least version `atLeast` once that is published; release() it after */
  acquire(atLeast: number, backoff?: BackoffOptions): Promise<Policy>
  close(): Promise<void>
}

export interface Policy {
  version: number
  generator: Generator
  release(): void
}

/** A policy for one group: its `release` runs `onRelease` once, however often it is called. */
export function handOut(version: number, generator: Generator, onRelease: () => void): Policy {
  let released = false
  return {
    version,
    generator,
    release: () => {
      if (released) return
      released = true
      onRelease()
    },
  }
}

interface Held {
  version: number
  generator: Generator
  users: number
  retired: boolean
}

export abstract class PolicyVersions implements PolicySource {
  protected current: Held | null = null
  private refreshing: Promise<void> | null = null
  /** versions refused (files not matching their sha256, or not loadable), by manifest hash: never retried */
  protected readonly refused = new Set<string>()

  /** `waitMs`: the pause between refreshes while no version is published at all. */
  protected constructor(private readonly waitMs: number) {}

  /** Version generated with now; null before the first is fetched (versions count from 0, the base model). */
  get version(): number | null {
    return this.current?.version ?? null
  }

  /**
   * The policy to generate with, at least version `atLeast` when that one is published (the lease says which is
   * newest). Waits (backoff, abortable) until some version is published at all.
   */
  async acquire(atLeast: number, backoff: BackoffOptions = {}): Promise<Policy> {
    while (!this.current || this.current.version < atLeast) {
      const before = this.current?.version
      await (this.refreshing ??= this.refresh(backoff).finally(() => (this.refreshing = null)))
      if (this.current && (this.current.version >= atLeast || this.current.version === before)) break
      if (!this.current) await sleep(this.waitMs, backoff.signal)
    }
    const held = this.current!
    held.users++
    return handOut(held.version, held.generator, () => {
      held.users--
      this.closeIfIdle(held)
    })
  }

  /** Look for a newer version and, when one opens, `switchTo` it; a failure is the source's to log and refuse. */
  protected abstract refresh(backoff: BackoffOptions): Promise<void>

  /** Generate with `generator` (version `version`) from now on; the one before is closed after its last group. */
  protected switchTo(version: number, generator: Generator): void {
    const old = this.current
    this.current = { version, generator, users: 0, retired: false }
    if (old) {
      old.retired = true
      this.closeIfIdle(old)
    }
  }

  private closeIfIdle(h: Held) {
    if (h.retired && h.users === 0) void h.generator.close()
  }

  /** Close the current generator (call after every slot has stopped); `version` still says which it was. */
  async close(): Promise<void> {
    const h = this.current
    if (h && !h.retired) {
      h.retired = true
      if (h.users === 0) await h.generator.close()
    }
  }
}
