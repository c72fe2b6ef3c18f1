/** The edge: the Hono app factory and its config. Entry points: node.ts (Node server), worker.ts (Workers). */
export { createApp, type EdgeApp } from './app.js'
export { configFromEnv, DEFAULT_BODY_LIMIT, type EdgeConfig } from './config.js'
export type { AppEnv, Caller, EdgeDeps } from './env.js'
