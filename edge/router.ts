/** A router (OpenAPIHono) whose zod validation failures answer 400 problem+json listing every issue. */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from './env.js'
import { problemResponse } from './problem.js'

export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return
      const errors = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }))
      return problemResponse(
        400,
        `invalid ${result.target}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`.slice(0, 2000),
        { errors },
      )
    },
  })
}
