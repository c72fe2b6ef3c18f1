/**
 * Model-version discovery (any key): GET /v1/models/latest, GET /v1/models/{version}. 404 problem when none.
 * Their files: GET /v1/models/{version}/files/{name} (files.ts).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { getModel, latestModel, type ModelVersion } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { anyRole } from '../../middleware/index.js'
import { ProblemError, problems } from '../../problem.js'
import { router } from '../../router.js'
import { fileRoutes } from './files.js'

const ModelSchema = z
  .object({
    version: z.number().int(),
    step: z.number().int(),
    artifactUri: z.string(),
    sha256: z.string(),
    files: z.record(z.string(), z.unknown()),
    metrics: z.record(z.string(), z.unknown()),
    publishedAt: z.string(),
  })
  .openapi('ModelVersion')

const view = (m: ModelVersion): z.infer<typeof ModelSchema> => ({
  version: m.version,
  step: m.step,
  artifactUri: m.artifactUri,
  sha256: m.sha256,
  files: m.files as Record<string, unknown>,
  metrics: m.metrics as Record<string, unknown>,
  publishedAt: m.publishedAt.toISOString(),
})

const ok = { description: 'model version', content: { 'application/json': { schema: ModelSchema } } }

const latest = createRoute({
  method: 'get',
  path: '/models/latest',
  summary: 'The newest published model version',
  security: [{ bearer: [] }],
  middleware: [anyRole()] as const,
  responses: { 200: ok, ...problems(401, 404) },
})

const byVersion = createRoute({
  method: 'get',
  path: '/models/{version}',
  summary: 'A published model version',
  security: [{ bearer: [] }],
  middleware: [anyRole()] as const,
  request: {
    params: z.object({
      version: z.coerce
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1)
        .openapi({ param: { name: 'version', in: 'path' } }),
    }),
  },
  responses: { 200: ok, ...problems(400, 401, 404) },
})

export const modelRoutes = router()
  .openapi(latest, async (c) => {
    const m = await latestModel(dbOf(c))
    if (!m) throw new ProblemError(404, 'no model version published yet')
    return c.json(view(m), 200)
  })
  .openapi(byVersion, async (c) => {
    const { version } = c.req.valid('param')
    const m = await getModel(dbOf(c), version)
    if (!m) throw new ProblemError(404, `no model version ${version}`)
    return c.json(view(m), 200)
  })
  .route('/', fileRoutes)
