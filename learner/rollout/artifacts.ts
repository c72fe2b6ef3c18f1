/**
 * Download a published model version's files into a local cache and verify them: the file table must hash to the
 * version's sha256 (learner/publish/manifest.ts's canonical manifest) and every file's size and sha256 must match
 * its entry, else nothing is kept and the version is refused. Files land in a
 * temporary folder first and the folder is renamed into place, so a cache entry is complete or absent — never
 * half-written. Cache layout: <cacheDir>/v<version>-<sha256 prefix>/<relative paths>.
 * Where the bytes come from is the `read` function: normally modelFileReader(edge) — through the edge
 * (GET /v1/models/{version}/files/{name}, which reads the learner's store: local folder, R2, S3), or straight from
 * a public http(s) location (bucket, CDN) when the version's artifactUri is one.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, normalize, sep } from 'node:path'
import { manifestOf, sha256Hex } from '../publish/manifest.js'
import type { EdgeClient, ModelInfo } from './client.js'

export class ArtifactError extends Error {}

/** A manifest path must stay inside the version folder. */
function safeRelative(path: string): string {
  const n = normalize(path)
  if (n.startsWith('..') || n.startsWith(sep) || n.includes(`..${sep}`) || /^[a-zA-Z]:/.test(n))
    throw new ArtifactError(`model manifest path escapes its folder: ${JSON.stringify(path)}`)
  return n
}

/** Reads one file of a version (a path of its file table). */
export type ModelFileReader = (model: ModelInfo, path: string) => Promise<Uint8Array>

/**
 * Through the edge; a file registered with its own URL (POST /v1/models by an outside trainer), or a version
 * published at a public http(s) location, is fetched from there directly.
 */
export function modelFileReader(edge: EdgeClient): ModelFileReader {
  return async (model, path) => {
    const own = model.files[path]?.url
    if (own) return download(own)
    if (!/^https?:/.test(model.artifactUri)) return edge.modelFile(model.version, path, model.files[path]?.sha256)
    return download(model.artifactUri.replace(/\/*$/, '/') + path.split('/').map(encodeURIComponent).join('/'))
  }
}

async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(600_000) })
  if (!res.ok) throw new ArtifactError(`GET ${url}: HTTP ${res.status}`)
  return new Uint8Array(await res.arrayBuffer())
}

/** The local folder of `model`, downloading and verifying it first unless the cache already has it. */
export async function fetchModelFiles(
  model: ModelInfo,
  cacheDir: string,
  read: ModelFileReader,
): Promise<string> {
  const entries = Object.entries(model.files ?? {})
  if (entries.length === 0) throw new ArtifactError(`model version ${model.version} lists no files`)
  const named = manifestOf(model.files).sha256
  if (named !== model.sha256)
    throw new ArtifactError(`model v${model.version}: its file table hashes to ${named}, not the version's ${model.sha256}`)
  const dir = join(cacheDir, `v${model.version}-${model.sha256.slice(0, 16)}`)
  if (existsSync(dir)) return dir
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`
  try {
    for (const [path, want] of entries) {
      const rel = safeRelative(path)
      const bytes = await read(model, path)
      if (bytes.length !== want.bytes)
        throw new ArtifactError(`model v${model.version} ${path}: ${bytes.length} bytes, manifest says ${want.bytes}`)
      const got = sha256Hex(bytes)
      if (got !== want.sha256)
        throw new ArtifactError(`model v${model.version} ${path}: sha256 ${got} does not match the manifest's ${want.sha256}`)
      await mkdir(dirname(join(tmp, rel)), { recursive: true })
      await writeFile(join(tmp, rel), bytes)
    }
    await rename(tmp, dir)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    if (existsSync(dir)) return dir // another worker in this cache finished first
    throw err
  }
  return dir
}

/** Remove cached versions older than `keepFrom` (workers only ever load the newest; a few behind stay for stragglers). */
export async function pruneModelCache(cacheDir: string, keepFrom: number): Promise<number> {
  let removed = 0
  for (const name of await readdir(cacheDir).catch(() => [] as string[])) {
    const m = /^v(\d+)-[0-9a-f]+$/.exec(name)
    if (m && Number(m[1]) < keepFrom) {
      await rm(join(cacheDir, name), { recursive: true, force: true })
      removed++
    }
  }
  return removed
}
