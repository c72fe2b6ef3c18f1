/** The one piece of the workerd test runtime these tests use (the project type-checks without workers-types). */
declare module 'cloudflare:workers' {
  /** The `main` worker's exports; `default.fetch` goes through its fetch handler with the test bindings. */
  export const exports: { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } }
}
