/**
 * The Workers bundle's import graph: edge/worker.ts must never pull the learner, onnxruntime-node or PGlite
 * (the brief's rule; PGlite and ORT cannot run in workerd and would bloat the bundle). Resolved like wrangler does.
 */
import { builtinModules } from 'node:module'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

describe('Workers bundle', () => {
  it('edge/worker.ts imports no learner/, sandbox/ (child processes), onnxruntime, Pyodide or PGlite module', async () => {
    const result = await build({
      entryPoints: ['edge/worker.ts'],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      // nodejs_compat provides Node's built-ins; wasm modules are attached by wrangler
      external: ['cloudflare:*', 'node:*', '*.wasm', ...builtinModules],
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile!.inputs)
    expect(inputs.some((f) => f.startsWith('edge/'))).toBe(true)
    expect(inputs.some((f) => f.includes('node_modules/postgres/cf/'))).toBe(true) // the workerd build of postgres.js
    expect(inputs.filter((f) => /^learner\/|^sandbox\/|onnxruntime|pyodide|@electric-sql\/pglite|schema\/db\.ts/.test(f))).toEqual([])
  })
})
