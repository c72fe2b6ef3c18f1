/**
 * The dashboard: GET / serves the page (page.ts + client.ts), GET /v1/dashboard its data (data.ts).
 * Mounted at the app root: `app.route('/', dashboardRoutes)`.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { router } from '../router.js'
import { dashboardData } from './data.js'
import { dashboardHtml } from './page.js'

const page = createRoute({
  method: 'get',
  path: '/',
  summary: 'The live dashboard page (self-contained HTML; its data comes from GET /v1/dashboard)',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
})

let html: string | undefined

export const dashboardRoutes = router()
  .openapi(page, (c) => c.html((html ??= dashboardHtml()), 200))
  .route('/', dashboardData)
