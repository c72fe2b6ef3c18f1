/** Middleware factories of the edge. */
export { auth, anyRole, deadKey, workerAuth } from './auth.js'
export { bodyLimit, requireJson } from './limits.js'
export { errorHandler, notFound } from './errors.js'
export { databaseLimiter, memoryLimiter, rateLimit, type RateLimiter } from './rate.js'
export { gunzipBody } from './gunzip.js'
