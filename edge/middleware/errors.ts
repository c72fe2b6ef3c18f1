/** onError / notFound handlers rendering problem+json; unexpected errors are logged and answered 500. */
import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../env.js'
import { ProblemError, problemResponse } from '../problem.js'

export function errorHandler(): ErrorHandler<AppEnv> {
  return (err) => {
    if (err instanceof ProblemError) return problemResponse(err.status, err.detail, err.extra)
    if (err instanceof HTTPException) return problemResponse(err.status, err.message || 'request rejected')
    console.error('cohort edge: unhandled error', err)
    return problemResponse(500, 'internal error')
  }
}

export function notFound(): NotFoundHandler<AppEnv> {
  return (c) => problemResponse(404, `no route ${c.req.method} ${c.req.path}`)
}
