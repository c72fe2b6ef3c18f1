/**
 * The sandbox on Node: process pools (pool.ts) running `code-tests` programs in locked-down child processes
 * (child.mjs, harness.py), and `cohort sandbox`'s HTTP server (server.ts). Never imported by the Workers bundle.
 * `installNodeSandboxes()` registers a pool per language with the verifier library (Node entry points call it).
 */
import { provideSandbox } from '../verifiers/index.js'
import { ProcessPool, type PoolOptions, type SandboxLanguage } from './pool.js'

export { ProcessPool, type PoolOptions, type SandboxLanguage } from './pool.js'

let installed: Record<SandboxLanguage, ProcessPool> | null = null
let users = 0

/**
 * Register a JavaScript and a Python process pool as the code-tests sandboxes of this process (the first call
 * makes them; later calls share them — pair each with closeNodeSandboxes()). Processes start on first use.
 */
export function installNodeSandboxes(opts: PoolOptions = {}): Record<SandboxLanguage, ProcessPool> {
  users++
  if (installed) return installed
  installed = { javascript: new ProcessPool('javascript', opts), python: new ProcessPool('python', opts) }
  provideSandbox('javascript', installed.javascript)
  provideSandbox('python', installed.python)
  return installed
}

/** Release one installNodeSandboxes(); the last release unregisters and closes the pools. */
export async function closeNodeSandboxes(): Promise<void> {
  users = Math.max(0, users - 1)
  if (!installed || users > 0) return
  const pools = installed
  installed = null
  provideSandbox('javascript', null)
  provideSandbox('python', null)
  await Promise.all([pools.javascript.close(), pools.python.close()])
}
export { sandboxApp, startSandboxServer, type SandboxServer, type SandboxServerOptions } from './server.js'
