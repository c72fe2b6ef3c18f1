/** POST /v1/keys (admin): create an API key for a role; the key is in this response only (stored hashed). */
import { createRoute, z } from '@hono/zod-openapi'
import { createKey, ROLES } from '../../../schema/index.js'
import { dbOf } from '../../env.js'
import { auth } from '../../middleware/index.js'
import { problems } from '../../problem.js'
import { router } from '../../router.js'

const CreateKeyBody = z
  .object({
    role: z.enum(ROLES),
    label: z.string().max(200).optional(),
  })
  .strict()
  .openapi('CreateKey')

const CreatedKey = z
  .object({
    id: z.number().int(),
    key: z.string().openapi({ description: 'The bearer key; shown once, stored only as sha256.' }),
    prefix: z.string(),
    role: z.enum(ROLES),
  })
  .openapi('CreatedKey')

const create = createRoute({
  method: 'post',
  path: '/keys',
  summary: 'Create an API key',
  security: [{ bearer: [] }],
  middleware: [auth('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateKeyBody } } } },
  responses: {
    201: { description: 'created', content: { 'application/json': { schema: CreatedKey } } },
    ...problems(400, 401, 403, 413, 415),
  },
})

export const keyRoutes = router().openapi(create, async (c) => {
  const { role, label } = c.req.valid('json')
  return c.json(await createKey(dbOf(c), role, label), 201)
})
