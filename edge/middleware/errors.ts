/**
 * onError / notFound handlers rendering problem+json. The database being down or restarting is a 503 with
 * Retry-After (nothing was stored: every write is one statement or one transaction, so a client retries the same
 * request and gets the stored result or a fresh one); other unexpected errors are logged and answered 500.
 */
import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../env.js'
import { isDatabaseUnavailable } from '../../schema/pg.js'
import { ProblemError, problemResponse } from '../problem.js'

/** Seconds a client should wait while the database is unavailable. */
const DB_RETRY_AFTER_S = 2

export function errorHandler(): ErrorHandler<AppEnv> {
  return (err) => {
    if (err instanceof ProblemError) return problemResponse(err.status, err.detail, err.extra)
    if (err instanceof HTTPException) return problemResponse(err.status, err.message || 'request rejected')
    if (isDatabaseUnavailable(err))
      return problemResponse(503, 'the database is unavailable right now; retry the same request', {
        headers: { 'retry-after': String(DB_RETRY_AFTER_S) },
      })
    console.error('cohort edge: unhandled error', err)
    return problemResponse(500, 'internal error')
  }
}

export function notFound(): NotFoundHandler<AppEnv> {
  return (c) => problemResponse(404, `no route ${c.req.method} ${c.req.path}`)
}
