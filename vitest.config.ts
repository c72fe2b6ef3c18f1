/**
 * Vitest for everything that runs on Node: test/** except test/workers (those run inside workerd through
 * vitest.workers.config.ts). Learner tests run real ONNX on 2 cores, hence the generous timeout and two forks.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/workers/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
