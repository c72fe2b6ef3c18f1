/**
 * Model versions. Discovery (any key): GET /v1/models/latest, GET /v1/models/{version} (404 problem when none).
 * Registration (learner keys): POST /v1/models records a version trained outside Cohort — its files with sha256,
 * size and a download location — so rollout workers pick it up through /v1/models/latest. The version's address
 * is the sha256 of the canonical manifest (common/manifest.ts), the same as for versions Cohort's learner
 * publishes; registering the same files at the same step again answers the existing version (200).
 * Their files: GET /v1/models/{version}/files/{name} (files.ts).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { artifactPathProblem, canonicalManifest } from '../../../common/manifest.js'
import { getModel, latestModel, publishVersionOnce, sha256Hex, type ModelVersion } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { anyRole, auth } from '../../middleware/index.js'
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
    format: z.enum(['onnx', 'safetensors']),
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
  format: m.format,
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

/** Most files one version may list. */
export const MAX_MODEL_FILES = 10_000
const Location = z
  .string()
  .max(2048)
  .regex(/^(https?|file|s3):\/\/\S+$/, 'must be an http(s)://, file:// or s3:// URL')
const FileUrl = z.string().max(2048).regex(/^https?:\/\/\S+$/, 'must be an http(s):// URL')

const RegisterModelBody = z
  .object({
    step: z.number().int().min(0).max(2 ** 31 - 1).openapi({ description: "The trainer's step that produced these weights" }),
    format: z.enum(['onnx', 'safetensors']).openapi({ description: "onnx: Cohort's graphs (its ONNX rollout workers load them); safetensors: HF-layout weights (vLLM, SGLang)" }),
    artifactUri: Location.optional().openapi({ description: 'Folder the file paths are relative to (needed unless every file has its own url)' }),
    files: z
      .record(
        z.string().min(1).max(512),
        z
          .object({
            sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
            bytes: z.number().int().min(0),
            url: FileUrl.optional(),
          })
          .strict(),
      )
      .openapi({ description: 'By relative path: sha256 (hex), size in bytes, and optionally its own http(s) download URL (else it is read under artifactUri by the edge)' }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional().openapi({ description: "The manifest hash the trainer computed (checked when given)" }),
    metrics: z.record(z.string().max(200), z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
  })
  .strict()
  .openapi('RegisterModel')

const register = createRoute({
  method: 'post',
  path: '/models',
  summary: 'Register a model version trained elsewhere',
  security: [{ bearer: [] }],
  middleware: [auth('learner', 'admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: RegisterModelBody } } } },
  responses: {
    201: { description: 'registered', content: { 'application/json': { schema: ModelSchema } } },
    200: { description: 'these files were already registered at this step: that version', content: { 'application/json': { schema: ModelSchema } } },
    ...problems(400, 401, 403, 413, 415),
  },
})

export const modelRoutes = router()
  .openapi(register, async (c) => {
    const body = c.req.valid('json')
    const paths = Object.keys(body.files)
    if (paths.length === 0) throw new ProblemError(400, 'files must list at least one file')
    if (paths.length > MAX_MODEL_FILES) throw new ProblemError(400, `files lists ${paths.length} files; at most ${MAX_MODEL_FILES}`)
    for (const p of paths) {
      const problem = artifactPathProblem(p)
      if (problem) throw new ProblemError(400, problem)
    }
    const unplaced = paths.filter((p) => !body.files[p].url)
    if (!body.artifactUri && unplaced.length)
      throw new ProblemError(400, `no artifactUri and no url for ${unplaced.length} file(s) (e.g. ${JSON.stringify(unplaced[0])}): workers could not download them`)
    const sha256 = await sha256Hex(canonicalManifest(body.files))
    if (body.sha256 && body.sha256 !== sha256)
      throw new ProblemError(400, `sha256 ${body.sha256} does not match the manifest of these files (${sha256}; see common/manifest.ts)`)
    const files = Object.fromEntries(paths.sort().map((p) => [p, body.files[p]]))
    const { version, created } = await publishVersionOnce(dbOf(c), {
      step: body.step,
      artifactUri: body.artifactUri ?? '',
      sha256,
      files,
      format: body.format,
      metrics: { ...body.metrics, registeredBy: c.var.caller.id ?? 'admin' },
    })
    return created ? c.json(view(version), 201) : c.json(view(version), 200)
  })
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
