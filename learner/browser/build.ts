/**
 * The browser worker's bundle (`/contribute/app.js`): contribute.ts with the learner's own generator, sampler and
 * tokenizers — the modules the Node worker runs, not copies — where onnxruntime-web stands in for
 * onnxruntime-node (the same InferenceSession / Tensor API) and Node built-ins that browser paths never call
 * resolve to empty modules. onnxruntime-web's .wasm/.mjs files are served from its package (`ORT_WEB_DIR`).
 */
import { mkdir } from 'node:fs/promises'
import { builtinModules, createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

/** onnxruntime-web's dist folder (its wasm binaries and their loaders). */
export const ORT_WEB_DIR = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'))

const ENTRY = fileURLToPath(new URL('./contribute.ts', import.meta.url))
const BUILTIN = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`)

/** Node built-ins → an empty CommonJS module (named imports read undefined; browser code paths never call them). */
const nodeBuiltinsEmpty: Plugin = {
  name: 'node-builtins-empty',
  setup(b) {
    b.onResolve({ filter: BUILTIN }, (a) => ({ path: a.path, namespace: 'node-empty' }))
    b.onLoad({ filter: /.*/, namespace: 'node-empty' }, () => ({ contents: 'module.exports = {}', loader: 'js' }))
  },
}

/** Write `<outDir>/app.js` (ES module, minified); returns its path. */
export function buildContribute(outDir: string): Promise<string> {
  return buildBrowserBundle(ENTRY, join(outDir, 'app.js'))
}

/** Bundle `entry` (a module using the learner's generator) for the browser, as for /contribute; bench:browser too. */
export async function buildBrowserBundle(entry: string, outfile: string): Promise<string> {
  await mkdir(dirname(outfile), { recursive: true })
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    alias: { 'onnxruntime-node': 'onnxruntime-web' },
    define: { 'process.env': '{}' },
    plugins: [nodeBuiltinsEmpty],
    logLevel: 'silent',
  })
  return outfile
}
