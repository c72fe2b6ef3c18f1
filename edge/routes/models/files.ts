/**
 * GET /v1/models/{version}/files/{name} (any key): one file of a published version, streamed from wherever the
 * learner put it — the local artifact folder (Node), an R2 binding (Workers) or an S3-compatible bucket (SigV4) —
 * so no worker needs bucket credentials. `name` is a path of the version's file table (slashes allowed, raw or
 * %2F-encoded). The bytes' sha256 comes in `x-cohort-sha256` (and as the ETag); clients check it.
 * 404: no such version or file, or the store no longer has it; 410: the version was pruned (retention). 501: this edge has no reader for the version's
 * location (e.g. file: on Workers). 502: the store failed.
 */
import { z } from '@hono/zod-openapi'
import { ArtifactUnreachable } from '../../../common/artifacts/source.js'
import { getModel } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { anyRole } from '../../middleware/index.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'

export const SHA256_HEADER = 'x-cohort-sha256'

const Version = z.coerce.number().int().min(0).max(2 ** 31 - 1)

export const fileRoutes = router()

fileRoutes.get('/models/:version/files/:name{.+}', anyRole(), async (c) => {
  const version = Version.safeParse(c.req.param('version'))
  if (!version.success) throw new ProblemError(400, `invalid param: version must be an integer in [0, 2^31)`)
  const name = c.req.param('name')
  const m = await getModel(dbOf(c), version.data)
  if (!m) throw new ProblemError(404, `no model version ${version.data}`)
  const entry = (m.files as Record<string, { sha256: string; bytes: number; url?: string }>)[name]
  if (!entry || !Object.hasOwn(m.files as object, name)) throw new ProblemError(404, `model version ${m.version} has no file ${JSON.stringify(name)}`)
  if (m.prunedAt) throw new ProblemError(410, `model version ${m.version} was pruned (retention: cohort learn --keep-versions); use a newer one`)
  // registered by an outside trainer with its own download URL (POST /v1/models): send the client there
  if (entry.url) return c.redirect(entry.url, 302)
  const read = c.var.deps.artifacts
  if (!read) throw new ProblemError(501, 'this edge serves no artifacts (no artifact store configured)')
  let obj
  try {
    obj = await read(m.artifactUri, name)
  } catch (err) {
    if (err instanceof ArtifactUnreachable) throw new ProblemError(501, `model version ${m.version}: ${err.message}`)
    console.error(`cohort edge: reading ${m.artifactUri}${name}`, err)
    throw new ProblemError(502, `model version ${m.version}: the artifact store failed: ${(err as Error).message}`.slice(0, 500))
  }
  if (!obj) throw new ProblemError(404, `model version ${m.version}: ${name} is no longer in the artifact store`)
  return c.body(obj.body, 200, {
    'content-type': 'application/octet-stream',
    'content-length': String(obj.bytes ?? entry.bytes),
    [SHA256_HEADER]: entry.sha256,
    etag: `"${entry.sha256}"`,
    // content-addressed: a version's file never changes
    'cache-control': 'private, max-age=31536000, immutable',
  })
})

fileRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/models/{version}/files/{name}',
  summary: "A file of a published model version (streamed from the artifact store; sha256 in x-cohort-sha256)",
  security: [{ bearer: [] }],
  request: {
    params: z.object({
      version: Version.openapi({ param: { name: 'version', in: 'path' } }),
      name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'onnx/decode/model.onnx' }),
    }),
  },
  responses: {
    200: {
      description: 'the file',
      headers: { [SHA256_HEADER]: { schema: { type: 'string' }, description: 'sha256 (hex) of the body' } },
      content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    ...problems(400, 401, 404, 410, 501, 502),
  },
})
