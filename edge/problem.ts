/**
 * RFC 9457 problem details: every error the edge returns is `application/problem+json`
 * `{ type, title, status, detail, ...extra }`. Handlers throw `ProblemError`; the error middleware renders it.
 */
import { z } from '@hono/zod-openapi'

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    /** Every offending index of a bulk request (e.g. prompts a task's verifier cannot score). */
    indexes: z.array(z.number().int()).optional(),
    /**
     * A 503 from backpressure: milliseconds until the learner will have drained enough for a lease — finer than
     * Retry-After's whole seconds, so a worker is not idle while the learner runs out of data.
     */
    retryAfterMs: z.number().int().optional(),
  })
  .openapi('Problem')

export type Problem = z.infer<typeof ProblemSchema>

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: Partial<Problem> & { headers?: Record<string, string> } = {},
  ) {
    super(detail)
  }
}

/** The problem+json body of an error (also used inside bulk answers: one per refused item). */
export function problemBody(status: number, detail: string, fields: Partial<Problem> = {}): Problem {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, ...fields }
}

export function problemResponse(
  status: number,
  detail: string,
  extra: Partial<Problem> & { headers?: Record<string, string> } = {},
): Response {
  const { headers, ...fields } = extra
  return new Response(JSON.stringify(problemBody(status, detail, fields)), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  })
}

/** OpenAPI response entries for the given problem statuses. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: TITLES[s] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } },
    ]),
  ) as Record<number, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>
}
