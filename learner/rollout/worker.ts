/**
 * The rollout worker loop, `concurrency` slots each repeating:
 *   lease a prompt → pick up the newest policy → generate G completions (one batched call, KV cache)
 *   → submit text + token ids + log-probs + finish reasons → count.
 * stop() (SIGTERM) ends it cleanly: no new leases are taken, groups being generated are finished and submitted
 * (submission retries until the lease's expiry), and a lease that cannot be finished simply expires at the edge
 * (it stores a group in one transaction or not at all: nothing is half-written).
 */
import { AbortedError, backoffDelay, sleep, type BackoffOptions } from './backoff.js'
import { EdgeError, submittableText, type EdgeClient, type GroupResult, type Lease, type SubmitCompletion } from './client.js'
import { PolicyCache, type OpenGenerator, type Policy, type PolicySource } from './policy.js'

export interface RolloutOptions {
  edge: EdgeClient
  /** task name to lease prompts of */
  task: string
  /** leases in flight at once (default 1) */
  concurrency?: number
  /**
   * leases each slot takes at once (POST /v1/leases {count}) and whose groups it submits in one POST /v1/groups
   * (default 1: one lease, one submission; keys with per-minute limits must keep 1)
   */
  leaseBatch?: number
  /** where verified model versions are cached (default .cohort/models) */
  cacheDir?: string
  /** opens a cached version folder (with cacheDir; not needed when `policies` is given) */
  openGenerator?: OpenGenerator
  /** the policy source (default: a PolicyCache in cacheDir opened with openGenerator; the browser's is in memory) */
  policies?: PolicySource
  /** base seed: group seeds derive from it and the lease id (default 1) */
  seed?: number
  /** stop after this many groups have been attempted (default: run until stop()) */
  maxGroups?: number
  backoff?: BackoffOptions
  log?: (line: string) => void
  /** called after each stored group (progress lines, the demo's bookkeeping) */
  onGroup?: (g: SubmittedGroup) => void
}

export interface SubmittedGroup {
  lease: Lease
  policyVersion: number
  result: GroupResult
  completions: SubmitCompletion[]
  tokens: number
  generateSeconds: number
}

export interface RolloutStats {
  groups: number
  completions: number
  tokens: number
  /** wall seconds spent inside generator calls (summed over slots) */
  generateSeconds: number
  rewardSum: number
  rewardCount: number
  /** groups whose lease expired before submission (410) */
  expired: number
  errors: number
  /** groups stored per policy version */
  byVersion: Record<number, { groups: number; rewardSum: number; rewardCount: number }>
}

/** Largest group seed (sampler seeds are finite numbers; keep them exact in float64). */
const SEED_SPACE = 2 ** 31

export class RolloutWorker {
  readonly stats: RolloutStats = {
    groups: 0, completions: 0, tokens: 0, generateSeconds: 0, rewardSum: 0, rewardCount: 0, expired: 0, errors: 0, byVersion: {},
  }
  private readonly stopper = new AbortController()
  private readonly policies: PolicySource
  private started = 0
  /** groups failed in a row: the next lease waits a backoff after a failure, so a broken setup cannot spin */
  private failures = 0
  private readonly log: (line: string) => void

  constructor(readonly o: RolloutOptions) {
    this.log = o.log ?? (() => {})
    if (!o.policies && !o.openGenerator) throw new Error('RolloutWorker: give `policies` or `openGenerator`')
    this.policies = o.policies ?? new PolicyCache(o.edge, o.cacheDir ?? '.cohort/models', o.openGenerator!, this.log)
  }

  /** Version of the policy the worker generates with now (null before the first is fetched). */
  get policyVersion() {
    return this.policies.version
  }

  /** Ask the loop to end: no new leases; in-flight groups finish and are submitted. */
  stop() {
    this.stopper.abort()
  }

  get stopping() {
    return this.stopper.signal.aborted
  }

  /** Run until stop() or maxGroups; resolves with the totals once every slot has finished. */
  async run(): Promise<RolloutStats> {
    const n = this.o.concurrency ?? 1
    if (!(Number.isInteger(n) && n >= 1 && n <= 256)) throw new RangeError(`concurrency must be an integer in [1, 256], got ${n}`)
    const b = this.o.leaseBatch ?? 1
    if (!(Number.isInteger(b) && b >= 1 && b <= 64)) throw new RangeError(`leaseBatch must be an integer in [1, 64], got ${b}`)
    try {
      await Promise.all(Array.from({ length: n }, () => this.slot()))
    } finally {
      await this.policies.close()
    }
    return this.stats
  }

  private async slot(): Promise<void> {
    const signal = this.stopper.signal
    const backoff: BackoffOptions = { ...this.o.backoff, signal }
    while (!signal.aborted && (this.o.maxGroups === undefined || this.started < this.o.maxGroups)) {
      const left = this.o.maxGroups === undefined ? Infinity : this.o.maxGroups - this.started
      const want = Math.min(this.o.leaseBatch ?? 1, left)
      this.started += want
      let leases: Lease[]
      try {
        // a policy first, so no lease is taken (and left to expire) while nothing is published yet
        (await this.policies.acquire(0, backoff)).release()
        leases = want === 1 ? [await this.o.edge.lease(this.o.task, backoff)] : await this.o.edge.leaseMany(this.o.task, want, backoff)
      } catch (err) {
        if (err instanceof AbortedError) return
        throw err
      }
      this.started -= want - leases.length
      if (want === 1) await this.group(leases[0])
      else await this.batch(leases)
    }
  }

  /** Generate one lease's group with `policy` (seeded by the lease id). */
  private async generate(lease: Lease, policy: Policy): Promise<{ completions: SubmitCompletion[]; generateSeconds: number }> {
    const g = lease.generation
    const t0 = performance.now()
    const [gen] = await policy.generator.generate([lease.prompt.text], {
      n: lease.groupSize,
      maxNewTokens: g.maxNewTokens,
      temperature: g.temperature,
      topP: g.topP,
      topK: g.topK || undefined,
      seed: ((this.o.seed ?? 1) * 1_000_003 + lease.leaseId) % SEED_SPACE,
      chat: lease.chat ?? undefined,
    })
    const generateSeconds = (performance.now() - t0) / 1000
    const completions: SubmitCompletion[] = gen.completions.map((c) => ({
      text: submittableText(c.text),
      tokenIds: c.tokenIds,
      logprobs: c.logprobs.map((x) => Math.min(0, x)), // ≤ 0 by definition; guard float rounding
      finishReason: c.finishReason,
    }))
    return { completions, generateSeconds }
  }

  private stored(lease: Lease, version: number, result: GroupResult, completions: SubmitCompletion[], generateSeconds: number) {
    const tokens = completions.reduce((n, c) => n + (c.tokenIds?.length ?? 0), 0)
    this.count(version, result, completions.length, tokens, generateSeconds)
    this.o.onGroup?.({ lease, policyVersion: version, result, completions, tokens, generateSeconds })
  }

  private async dropped(what: string, err: unknown, expired = err instanceof EdgeError && err.status === 410) {
    if (expired) this.stats.expired++
    else this.stats.errors++
    this.log(`rollout: ${what} dropped: ${(err as Error).message}`)
    await sleep(backoffDelay(this.failures++, this.o.backoff), this.stopper.signal).catch(() => {})
  }

  /** Generate and submit one lease's group; failures are counted and logged, never half-submitted. */
  private async group(lease: Lease): Promise<void> {
    const policy = await this.policies.acquire(lease.modelVersion, this.o.backoff)
    try {
      const { completions, generateSeconds } = await this.generate(lease, policy)
      const result = await this.o.edge.submit(
        lease.leaseId,
        { modelVersion: policy.version, completions },
        { ...this.o.backoff, deadline: Date.parse(lease.expiresAt) },
      )
      this.failures = 0
      this.stored(lease, policy.version, result, completions, generateSeconds)
    } catch (err) {
      await this.dropped(`lease ${lease.leaseId}`, err)
    } finally {
      policy.release()
    }
  }

  /** Generate several leases' groups, then submit them in one POST /v1/groups; each outcome counted on its own. */
  private async batch(leases: Lease[]): Promise<void> {
    const made: { lease: Lease; policy: Policy; completions: SubmitCompletion[]; generateSeconds: number }[] = []
    try {
      for (const lease of leases) {
        const policy = await this.policies.acquire(lease.modelVersion, this.o.backoff)
        try {
          made.push({ lease, policy, ...(await this.generate(lease, policy)) })
        } catch (err) {
          policy.release()
          await this.dropped(`lease ${lease.leaseId}`, err)
        }
      }
      if (made.length === 0) return
      const outcomes = await this.o.edge.submitMany(
        made.map((m) => ({ leaseId: m.lease.leaseId, modelVersion: m.policy.version, completions: m.completions })),
        { ...this.o.backoff, deadline: Math.min(...made.map((m) => Date.parse(m.lease.expiresAt))) },
      )
      this.failures = 0
      outcomes.forEach((o, i) => {
        const m = made[i]
        if (o.group) this.stored(m.lease, m.policy.version, o.group, m.completions, m.generateSeconds)
        else {
          if (o.status === 410) this.stats.expired++
          else this.stats.errors++
          this.log(`rollout: lease ${m.lease.leaseId} refused: ${o.status} ${o.problem?.detail ?? ''}`)
        }
      })
    } catch (err) {
      await this.dropped(`batch of ${made.length} groups`, err)
    } finally {
      for (const m of made) m.policy.release()
    }
  }

  private count(version: number, r: GroupResult, completions: number, tokens: number, seconds: number) {
    const s = this.stats
    s.groups++
    s.completions += completions
    s.tokens += tokens
    s.generateSeconds += seconds
    const v = (s.byVersion[version] ??= { groups: 0, rewardSum: 0, rewardCount: 0 })
    v.groups++
    for (const x of r.rewards)
      if (x !== null) {
        s.rewardSum += x
        s.rewardCount++
        v.rewardSum += x
        v.rewardCount++
      }
  }
}
