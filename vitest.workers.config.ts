/**
 * Vitest inside workerd (@cloudflare/vitest-pool-workers): every test/workers/**\/*.test.ts runs in the Workers
 * runtime against edge/worker.ts with wrangler.toml's settings, talking to a real Postgres (or PGlite over
 * pglite-socket) prepared by test/workers/global-setup.ts.
 */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: './edge/worker.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          DATABASE_URL: inject('databaseUrl'),
          COHORT_ADMIN_KEY: inject('adminKey'),
          // the http verifier's secret for `cohort sandbox` (secretRef "sandbox"); the URL comes through inject()
          COHORT_VERIFIER_SECRET_SANDBOX: inject('sandboxSecret'),
          // the bucket the learner's s3:// URIs name; the edge reads it through the R2 binding below
          COHORT_S3_BUCKET: 'models',
        },
        r2Buckets: ['ARTIFACTS'],
      },
    })),
  ],
  test: {
    include: ['test/workers/**/*.test.ts'],
    globalSetup: ['test/workers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Closing a workerd socket with end() surfaces "Stream was cancelled" after the response: not a test failure.
    onUnhandledError: (error) => !/Stream was cancelled/i.test(String(error?.message ?? error)),
  },
})
