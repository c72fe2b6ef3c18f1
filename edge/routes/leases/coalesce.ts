/**
 * Write-combining for the one-at-a-time ingest routes (POST /v1/leases, POST /v1/leases/{id}/group): requests of
 * one worker key that arrive while earlier ones are at the database are combined into one call of the batch path
 * (one leasePrompts / one submitMany: one statement and one commit for all of them), each request still getting
 * its own outcome. Group commit in the edge, the way Postgres combines WAL flushes:
 *   - nothing waits for a batch to fill: a request goes to the database at once while fewer than `maxInFlight`
 *     calls of its lane are running; only the ones that arrive meanwhile queue, and leave together as one call
 *     as soon as a call ends (so an idle edge adds no latency, and a loaded one makes fewer, larger statements);
 *   - a lane is one database handle × one worker key (× one task for leases): a batch is always one key's, so a
 *     revoked key refuses exactly its own requests, as before; a database handle per request (Workers) never
 *     combines anything across requests;
 *   - items that must not share a call (two submissions for the same lease) go in different calls, in arrival
 *     order, so the race between them is decided by the database as before (the second replays or conflicts);
 *   - an error of the call (database down, key revoked) is every request's error, as it would have been alone.
 */

export interface CoalesceOptions<I, O> {
  /** the batch call: one outcome per item, in order */
  run: (items: I[]) => Promise<O[]>
  /** calls of one lane at the database at once (default 2) */
  maxInFlight?: number
  /** largest total weight of one call (default 64) */
  maxWeight?: number
  /** an item's weight (default 1) */
  weight?: (item: I) => number
  /** a key for items that must not share a call (e.g. the lease id); absent: any items may */
  distinct?: (item: I) => string | number
}

interface Waiting<I, O> {
  item: I
  resolve: (o: O) => void
  reject: (err: unknown) => void
}

interface Lane<I, O> {
  queue: Waiting<I, O>[]
  inFlight: number
}

export interface Coalescer<I, O> {
  /** Run `item` in lane `lane` (combined with others of the same lane that are waiting). */
  run(lane: string, item: I): Promise<O>
  /** Calls made and items carried (for tests and benches). */
  readonly stats: { calls: number; items: number }
}

export function coalescer<I, O>(opts: CoalesceOptions<I, O>): Coalescer<I, O> {
  const maxInFlight = opts.maxInFlight ?? 2
  const maxWeight = opts.maxWeight ?? 64
  const weight = opts.weight ?? (() => 1)
  const lanes = new Map<string, Lane<I, O>>()
  const stats = { calls: 0, items: 0 }

  /** The next call's items: queue order, up to maxWeight (at least one), skipping a second item of a distinct key. */
  function take(lane: Lane<I, O>): Waiting<I, O>[] {
    const batch: Waiting<I, O>[] = []
    const rest: Waiting<I, O>[] = []
    const seen = new Set<string | number>()
    let w = 0
    for (const x of lane.queue) {
      const d = opts.distinct?.(x.item)
      const wx = weight(x.item)
      if ((batch.length > 0 && w + wx > maxWeight) || (d !== undefined && seen.has(d))) {
        rest.push(x)
        continue
      }
      if (d !== undefined) seen.add(d)
      w += wx
      batch.push(x)
    }
    lane.queue = rest
    return batch
  }

  function pump(name: string, lane: Lane<I, O>) {
    while (lane.inFlight < maxInFlight && lane.queue.length > 0) {
      const batch = take(lane)
      lane.inFlight++
      stats.calls++
      stats.items += batch.length
      let call: Promise<O[]>
      try {
        call = opts.run(batch.map((b) => b.item))
      } catch (err) {
        call = Promise.reject(err)
      }
      call
        .then(
          (outs) => batch.forEach((b, i) => b.resolve(outs[i])),
          (err) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          lane.inFlight--
          if (lane.inFlight === 0 && lane.queue.length === 0) lanes.delete(name)
          else pump(name, lane)
        })
    }
  }

  return {
    stats,
    run(name, item) {
      let lane = lanes.get(name)
      if (!lane) lanes.set(name, (lane = { queue: [], inFlight: 0 }))
      const out = new Promise<O>((resolve, reject) => lane.queue.push({ item, resolve, reject }))
      pump(name, lane)
      return out
    },
  }
}

/** One coalescer per owner object (a database handle), made on first use. */
export function perOwner<T extends object, C>(make: (owner: T) => C): (owner: T) => C {
  const all = new WeakMap<T, C>()
  return (owner) => {
    let c = all.get(owner)
    if (!c) all.set(owner, (c = make(owner)))
    return c
  }
}
