/**
 * createApp: the Cohort edge as one Hono app, the same on Workers and Node; only `getDb` and `config` differ.
 *   /healthz                 health (no key)
 *   /v1/keys|invites|join|tasks|leases|models|stats|ratings|verify|batches   the API (Bearer keys, roles)
 *   /rate, /contribute       pages for people rating and volunteers' browsers
 *   /atropos/…               Atropos' trajectory API (its environments and trainers, unchanged but for the URL)
 *   /openapi.json            generated from the routes' zod schemas
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { configFromEnv, type EdgeConfig } from './config.js'
import type { AppEnv, EdgeDeps } from './env.js'
import { bodyLimit, errorHandler, memoryLimiter, gunzipBody, notFound, requireJson } from './middleware/index.js'
import { dashboardRoutes } from './dashboard/index.js'
import { atroposRoutes } from './routes/atropos/index.js'
import { batchRoutes } from './routes/batches/index.js'
import { contributePage } from './pages/contribute/index.js'
import { ratePage } from './pages/rate/index.js'
import { healthRoutes } from './routes/health/index.js'
import { keyRoutes } from './routes/keys/index.js'
import { leaseRoutes } from './routes/leases/index.js'
import { modelRoutes } from './routes/models/index.js'
import { statsRoutes } from './routes/stats/index.js'
import { taskRoutes } from './routes/tasks/index.js'
import { ratingRoutes } from './routes/ratings/index.js'
import { verifyRoutes } from './routes/verify/index.js'

export const API_VERSION = '0.1.0'

/** What an entry point hands createApp: config fields left out take their defaults, the limiter is in-process. */
export interface EdgeOptions {
  getDb: EdgeDeps['getDb']
  config?: Partial<EdgeConfig>
  limiter?: EdgeDeps['limiter']
  artifacts?: EdgeDeps['artifacts']
}

export function createApp(opts: EdgeOptions) {
  const deps: EdgeDeps = {
    getDb: opts.getDb,
    config: { ...configFromEnv({}), ...opts.config },
    limiter: opts.limiter ?? memoryLimiter(),
    artifacts: opts.artifacts,
  }
  const app = new OpenAPIHono<AppEnv>()
  app.onError(errorHandler())
  app.notFound(notFound())
  app.use('*', async (c, next) => {
    c.set('deps', deps)
    await next()
  })
  // /v1 routes read bodies only through c.req: on Node straight from the socket's stream
  app.use('/v1/*', bodyLimit(deps.config.bodyLimitBytes, { readOnNode: true }), requireJson())

  app.route('/', healthRoutes)
  app.route('/', dashboardRoutes) // GET / (page) and GET /v1/dashboard (its data)
  app.route('/', ratePage) // GET /rate
  app.route('/', contributePage) // GET /contribute (its bundle: edge/node.ts)
  const v1 = new OpenAPIHono<AppEnv>()
    .route('/', keyRoutes) // /v1/keys, /v1/invites, POST /v1/join
    .route('/', taskRoutes)
    .route('/', leaseRoutes)
    .route('/', modelRoutes)
    .route('/', statsRoutes)
    .route('/', verifyRoutes) // POST /v1/verify, POST /v1/admin/reverify
    .route('/', ratingRoutes) // /v1/ratings/next|raters, POST /v1/ratings
    .route('/', batchRoutes) // /v1/batches: claim / renew / complete / release (external trainers)
  app.route('/v1', v1)

  // Atropos' protocol (edge/routes/atropos); the key in the path for clients that send no headers
  app.use('/atropos/*', bodyLimit(deps.config.bodyLimitBytes), gunzipBody(deps.config.bodyLimitBytes), requireJson())
  app.use('/atropos/k/:key/*', async (c, next) => {
    c.set('pathKey', c.req.param('key'))
    await next()
  })
  app.route('/atropos/k/:key', atroposRoutes)
  app.route('/atropos', atroposRoutes)

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' })
  app.doc('/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'Cohort edge API',
      version: API_VERSION,
      description:
        'Prompts for rollout workers, verified groups of completions, model-version discovery. ' +
        'Errors are application/problem+json.',
    },
  })
  return app
}

export type EdgeApp = ReturnType<typeof createApp>
