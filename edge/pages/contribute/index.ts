/** GET /contribute: the browser rollout worker's page (its script: /contribute/app.js, served by the Node edge). */
import { createRoute, z } from '@hono/zod-openapi'
import { router } from '../../router.js'
import { contributeHtml } from './page.js'

const page = createRoute({
  method: 'get',
  path: '/contribute',
  summary: 'The browser rollout worker (a worker key or an invitation in the fragment)',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
})

/** Cross-origin isolation: SharedArrayBuffer, so onnxruntime-web's WASM backend can run threads. */
export const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }

let html: string | undefined

export const contributePage = router().openapi(page, (c) => c.html((html ??= contributeHtml()), 200, ISOLATION))
