/**
 * Hosted verification: POST /v1/verify (any key) scores completions statelessly with an inline spec or a task's
 * verifier — always against the request's reference, never a stored one, and nothing is stored.
 * POST /v1/admin/reverify (admin) retries a bounded batch of verify_failed groups (reverify.ts; the Workers
 * `scheduled` handler calls the same function). Hosted-verifier secrets: see secrets.ts.
 */
import { createRoute } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { verifierSpec, verifyGroup, type VerifierSpec } from '../../../verifiers/index.js'
import { dbOf, type AppEnv } from '../../env.js'
import { anyRole, auth } from '../../middleware/index.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'
import { requireTask } from '../tasks/index.js'
import { leafSpecs } from './leaves.js'
import { reverifyFailedGroups } from './reverify.js'
import { ReverifyQuery, ReverifyResult, VerifyBody, VerifyResult } from './schemas.js'
import { resolveSecrets, secretSources } from './secrets.js'

export { leafSpecs } from './leaves.js'
export { reverifyFailedGroups, type ReverifyReport } from './reverify.js'
export { scoreGroup, STATUS_OF, type ScoringInput } from './score.js'
export { resolveSecrets, secretEnvName, secretSources, type SecretSources } from './secrets.js'

const verify = createRoute({
  method: 'post',
  path: '/verify',
  summary: 'Score completions with a verifier (stateless)',
  security: [{ bearer: [] }],
  middleware: [anyRole()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: VerifyBody } } } },
  responses: {
    200: { description: 'verdicts', content: { 'application/json': { schema: VerifyResult } } },
    ...problems(400, 401, 403, 404, 413, 415),
  },
})

const reverify = createRoute({
  method: 'post',
  path: '/admin/reverify',
  summary: 'Retry a batch of groups whose hosted verifier failed',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  request: { query: ReverifyQuery },
  responses: {
    200: { description: 'what each retried group became', content: { 'application/json': { schema: ReverifyResult } } },
    ...problems(400, 401, 403),
  },
})

/** The task's stored verifier spec (parsed again: the row is JSON). */
async function taskSpec(c: Context<AppEnv>, name: string): Promise<VerifierSpec> {
  const task = await requireTask(c, name)
  const spec = verifierSpec.safeParse(task.verifier)
  if (!spec.success) throw new ProblemError(409, `task "${name}" has an invalid verifier spec; an admin must fix it`)
  return spec.data
}

/** Inline specs may not call out (SSRF, signing oracle) unless an admin sends them; human needs stored ratings. */
function checkUsable(spec: VerifierSpec, inline: boolean, isAdmin: boolean) {
  const types = new Set(leafSpecs(spec).map((l) => l.type))
  if (types.has('human'))
    throw new ProblemError(400, 'human verifiers score stored ratings; they cannot run on /v1/verify (see /v1/ratings)')
  if (inline && types.has('http') && !isAdmin)
    throw new ProblemError(403, 'inline http verifiers are admin-only; use a task whose verifier an admin registered')
}

export const verifyRoutes = router()
  .openapi(verify, async (c) => {
    const body = c.req.valid('json')
    const spec = body.verifier ?? (await taskSpec(c, body.task!))
    checkUsable(spec, body.verifier !== undefined, c.var.caller.role === 'admin')
    const verdict = await verifyGroup(
      spec,
      { prompt: body.prompt, reference: body.reference ?? null, completions: body.completions },
      { secrets: resolveSecrets(spec, secretSources(c.env)) },
    )
    // `compared` holds the request's own reference as compared: fine to show to the caller who sent it.
    const details = verdict.details.map(({ status, parts, extracted, compared, reason }) => ({ status, parts, extracted, compared, reason }))
    return c.json({ status: verdict.status, rewards: verdict.rewards, details }, 200)
  })
  .openapi(reverify, async (c) => {
    const report = await reverifyFailedGroups(dbOf(c), {
      limit: c.req.valid('query').limit,
      sources: secretSources(c.env),
    })
    return c.json(report, 200)
  })
