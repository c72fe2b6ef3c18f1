/**
 * Node only: the browser worker's files — /contribute/app.js (the bundle) and /contribute/ort/<file> (onnxruntime-
 * web's .wasm and their .mjs loaders) — read from disk with the page's cross-origin isolation headers. Only plain
 * file names of those kinds are served (no paths).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Hono } from 'hono'
import type { AppEnv } from '../../env.js'
import { problemResponse } from '../../problem.js'
import { ISOLATION } from './index.js'

const TYPES: Record<string, string> = { js: 'text/javascript', mjs: 'text/javascript', wasm: 'application/wasm' }
const ORT_FILE = /^ort-wasm-[\w.-]+\.(wasm|mjs)$/

export function serveContributeAssets(app: Hono<AppEnv>, dirs: { appDir: string; ortDir: string }): void {
  const send = async (path: string, type: string) => {
    try {
      return new Response(await readFile(path), { headers: { 'content-type': type, 'cache-control': 'no-cache', ...ISOLATION } })
    } catch {
      return problemResponse(404, `no file ${path.split('/').pop()}`)
    }
  }
  app.get('/contribute/app.js', () => send(join(dirs.appDir, 'app.js'), TYPES.js))
  app.get('/contribute/ort/:file', (c) => {
    const file = c.req.param('file')
    const m = ORT_FILE.exec(file)
    if (!m) return problemResponse(404, `no file ${file}`)
    return send(join(dirs.ortDir, file), TYPES[m[1]])
  })
}
