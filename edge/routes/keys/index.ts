/**
 * Keys and invitations:
 *   POST   /v1/keys       (admin)  create a key; shown once, stored as sha256. No `limits`: unlimited.
 *   GET    /v1/keys       (admin)  every key: prefix, role, label, dates, limits, usage — never the key
 *   DELETE /v1/keys/{id}  (admin)  revoke (401 from the next request on), releasing its open leases → 204
 *   POST   /v1/invites    (admin)  an invitation code for worker or rater keys, `uses` times, with limits
 *   GET    /v1/invites    (admin)  every invitation (never the code)
 *   POST   /v1/join       (no key) { code } → a new key of the invitation's role with its limits (shown once)
 */
import { createRoute } from '@hono/zod-openapi'
import { createInvite, createKey, listInvites, listKeys, redeemInvite, revokeKey } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { auth } from '../../middleware/index.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'
import {
  CreatedInvite,
  CreatedKey,
  CreateInviteBody,
  CreateKeyBody,
  InviteList,
  JoinBody,
  Joined,
  KeyList,
  KeyParams,
} from './schemas.js'

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } })

const create = createRoute({
  method: 'post',
  path: '/keys',
  summary: 'Create an API key',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  request: { body: { required: true, ...json(CreateKeyBody) } },
  responses: { 201: { description: 'created', ...json(CreatedKey) }, ...problems(400, 401, 403, 413, 415) },
})

const list = createRoute({
  method: 'get',
  path: '/keys',
  summary: 'List API keys with their usage',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  responses: { 200: { description: 'every key', ...json(KeyList) }, ...problems(401, 403) },
})

const revoke = createRoute({
  method: 'delete',
  path: '/keys/{id}',
  summary: 'Revoke an API key (its open leases are released; its groups stay)',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  request: { params: KeyParams },
  responses: { 204: { description: 'revoked (or already revoked)' }, ...problems(400, 401, 403, 404) },
})

const invite = createRoute({
  method: 'post',
  path: '/invites',
  summary: 'Create an invitation code for worker or rater keys',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  request: { body: { required: true, ...json(CreateInviteBody) } },
  responses: { 201: { description: 'created', ...json(CreatedInvite) }, ...problems(400, 401, 403, 413, 415) },
})

const invites = createRoute({
  method: 'get',
  path: '/invites',
  summary: 'List invitations',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  responses: { 200: { description: 'every invitation', ...json(InviteList) }, ...problems(401, 403) },
})

const join = createRoute({
  method: 'post',
  path: '/join',
  summary: 'Exchange an invitation code for a key (no key needed)',
  request: { body: { required: true, ...json(JoinBody) } },
  responses: { 201: { description: 'joined', ...json(Joined) }, ...problems(400, 403, 413, 415) },
})

const iso = (d: Date | null) => (d === null ? null : d.toISOString())
const limitsOf = (r: { leasesPerMinute: number | null; submissionsPerMinute: number | null }) => ({
  leasesPerMinute: r.leasesPerMinute,
  submissionsPerMinute: r.submissionsPerMinute,
})
/** The page an invitee of this role opens; the code rides in the fragment, which browsers never send. */
const PAGE = { worker: '/contribute', rater: '/rate' } as const

export const keyRoutes = router()
  .openapi(create, async (c) => {
    const { role, label, expiresAt, limits, quota } = c.req.valid('json')
    const created = await createKey(dbOf(c), role, {
      label,
      expiresAt: expiresAt ? new Date(expiresAt) : null,
      limits,
      quota,
    })
    return c.json(created, 201)
  })
  .openapi(list, async (c) => {
    const keys = (await listKeys(dbOf(c))).map((k) => ({
      id: k.id,
      prefix: k.prefix,
      role: k.role,
      label: k.label,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: iso(k.lastUsedAt),
      expiresAt: iso(k.expiresAt),
      revokedAt: iso(k.revokedAt),
      limits: limitsOf(k),
      quota: k.quota,
      inviteId: k.inviteId,
      usage: k.usage,
    }))
    return c.json({ keys }, 200)
  })
  .openapi(revoke, async (c) => {
    const { id } = c.req.valid('param')
    if ((await revokeKey(dbOf(c), id)) === 'not_found') throw new ProblemError(404, `no key ${id}`)
    return c.body(null, 204)
  })
  .openapi(invite, async (c) => {
    const body = c.req.valid('json')
    const defaults = c.var.deps.config.inviteLimits
    const limits = {
      leasesPerMinute: body.limits?.leasesPerMinute ?? defaults.leasesPerMinute,
      submissionsPerMinute: body.limits?.submissionsPerMinute ?? defaults.submissionsPerMinute,
    }
    const made = await createInvite(dbOf(c), {
      role: body.role,
      uses: body.uses,
      label: body.label,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      limits,
      quota: body.quota,
    })
    return c.json(
      {
        id: made.id,
        code: made.code,
        prefix: made.prefix,
        role: body.role,
        uses: made.uses,
        expiresAt: iso(made.expiresAt),
        limits,
        quota: body.quota ?? null,
        link: `${PAGE[body.role]}#invite=${made.code}`,
      },
      201,
    )
  })
  .openapi(invites, async (c) => {
    const list = (await listInvites(dbOf(c))).map((i) => ({
      id: i.id,
      prefix: i.prefix,
      role: i.role,
      label: i.label,
      uses: i.uses,
      used: i.used,
      expiresAt: iso(i.expiresAt),
      createdAt: i.createdAt.toISOString(),
      limits: limitsOf(i),
      quota: i.quota,
    }))
    return c.json({ invites: list }, 200)
  })
  .openapi(join, async (c) => {
    const { code, label } = c.req.valid('json')
    const out = await redeemInvite(dbOf(c), code, label)
    if (out.kind === 'invalid') throw new ProblemError(403, 'this invitation is unknown, used up or expired')
    return c.json({ ...out.key, limits: limitsOf(out.invite), quota: out.invite.quota }, 201)
  })
