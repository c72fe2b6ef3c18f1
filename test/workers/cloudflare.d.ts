/** The pieces of the workerd test runtime these tests use (the project type-checks without workers-types). */
declare module 'cloudflare:workers' {
  /** The test bindings (vitest.workers.config.ts); ARTIFACTS is the R2 bucket model files are streamed from. */
  export const env: { ARTIFACTS: { put(key: string, value: Uint8Array | string): Promise<unknown>; delete(key: string): Promise<void> } }
  /** The `main` worker's exports; `default.fetch` goes through its fetch handler with the test bindings. */
  export const exports: { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } }
}
