/**
 * Retry with exponential backoff and full jitter (the AWS architecture-blog scheme): attempt k waits a uniform
 * random time in [0, min(capMs, baseMs·2^k)], never less than a server's Retry-After — or, where the server named the
 * wait to the millisecond (backpressure's retryAfterMs), that wait plus up to 20 %, however many came before. Used
 * by the edge client for 429 / 502 / 503 / 504 and network errors; anything else is final.
 */

export interface BackoffOptions {
  /** first ceiling in ms (default 200) */
  baseMs?: number
  /** largest ceiling in ms (default 10 000) */
  capMs?: number
  /** attempts in all, first included (default Infinity: until `signal` or `deadline`) */
  maxAttempts?: number
  /** stop retrying (and waiting) when aborted */
  signal?: AbortSignal
  /** epoch ms after which no further attempt starts */
  deadline?: number
  /** random source in [0, 1) (tests pass a seeded one) */
  random?: () => number
  /** called before each wait (progress output) */
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void
}

/** An error that says whether a retry may help and how long the server asked to wait. */
export class RetryableError extends Error {
  /** the server named the wait to the millisecond (backpressure's retryAfterMs): wait that, do not back off further */
  readonly exact: boolean
  constructor(
    message: string,
    readonly retryAfterMs = 0,
    options?: { cause?: unknown; exact?: boolean },
  ) {
    super(message, options)
    this.exact = options?.exact ?? false
  }
}

export class AbortedError extends Error {
  constructor(message = 'aborted') {
    super(message)
  }
}

/** An exact wait asked by the server, with up to 20 % added so held-back workers do not all return at once. */
const exactDelay = (retryAfterMs: number, o: BackoffOptions = {}) => retryAfterMs * (1 + 0.2 * (o.random ?? Math.random)())

/** The k-th wait (k = 0 for the first retry). */
export function backoffDelay(k: number, o: BackoffOptions = {}, retryAfterMs = 0): number {
  const ceiling = Math.min(o.capMs ?? 10_000, (o.baseMs ?? 200) * 2 ** Math.min(k, 30))
  return Math.max(retryAfterMs, (o.random ?? Math.random)() * ceiling)
}

/** Resolves after `ms`, or rejects with AbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError())
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AbortedError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Run `fn` until it succeeds or throws something other than RetryableError (or the budget runs out). */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: BackoffOptions = {}): Promise<T> {
  const max = o.maxAttempts ?? Infinity
  for (let attempt = 0; ; attempt++) {
    if (o.signal?.aborted) throw new AbortedError()
    try {
      return await fn(attempt)
    } catch (err) {
      if (!(err instanceof RetryableError) || attempt + 1 >= max) throw err
      const wait = err.exact ? exactDelay(err.retryAfterMs, o) : backoffDelay(attempt, o, err.retryAfterMs)
      if (o.deadline !== undefined && Date.now() + wait > o.deadline) throw err
      o.onRetry?.(err, attempt + 1, wait)
      await sleep(wait, o.signal)
    }
  }
}
