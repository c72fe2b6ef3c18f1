/** GET /rate: the rating page (page.ts + client.ts); its data comes from the rater routes under /v1/ratings. */
import { createRoute, z } from '@hono/zod-openapi'
import { router } from '../../router.js'
import { rateHtml } from './page.js'

const page = createRoute({
  method: 'get',
  path: '/rate',
  summary: 'The rating page for people (self-contained HTML; a rater key or an invitation in the fragment)',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
})

let html: string | undefined

export const ratePage = router().openapi(page, (c) => c.html((html ??= rateHtml()), 200))
