/**
 * S3ArtifactStore: versions in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO …), path-style URLs,
 * requests signed with SigV4 (sigv4.ts: fetch + Web Crypto, no SDK). Objects:
 *   <prefix>versions/<sha256>/<path>           every file of the version
 *   <prefix>versions/<sha256>/manifest.json    uploaded last
 * Staging is a local temp folder. commit uploads the files, then the manifest; a version whose manifest is
 * already there is not uploaded again. Visibility comes from the model_versions row, inserted only after
 * commit returns, so a crash mid-upload leaves unreferenced objects, never a half version in use.
 * R2: endpoint https://<account>.r2.cloudflarestorage.com, region "auto".
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listFiles } from './local.js'
import { checkArtifactPath, fileEntry, manifestOf, MANIFEST_FILE, type FileTable } from './manifest.js'
import { signRequest, uriEncode, type Credentials } from './sigv4.js'
import type { ArtifactStore, StoredVersion } from './store.js'

export interface S3Options extends Credentials {
  /** e.g. https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000 */
  endpoint: string
  bucket: string
  /** SigV4 region ("auto" for R2; default us-east-1) */
  region?: string
  /** key prefix inside the bucket, e.g. "cohort/" (default none) */
  prefix?: string
  /** fetch to use (default globalThis.fetch) */
  fetch?: typeof fetch
}

export class S3Error extends Error {
  override name = 'S3Error'
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3'
  private readonly region: string
  private readonly prefix: string

  constructor(private readonly o: S3Options) {
    this.region = o.region ?? 'us-east-1'
    this.prefix = o.prefix ?? ''
    if (!/^https?:\/\//.test(o.endpoint)) throw new Error(`S3ArtifactStore: endpoint must be http(s)://…, got ${o.endpoint}`)
    if (!o.bucket) throw new Error('S3ArtifactStore: bucket is required')
  }

  async stage(): Promise<string> {
    const dir = join(tmpdir(), `cohort-stage-${randomBytes(8).toString('hex')}`)
    await mkdir(dir, { recursive: true })
    return dir
  }

  async discard(stagingDir: string): Promise<void> {
    await rm(stagingDir, { recursive: true, force: true })
  }

  async commit(stagingDir: string): Promise<StoredVersion> {
    try {
      const files: FileTable = {}
      const paths = await listFiles(stagingDir)
      for (const p of paths) {
        checkArtifactPath(p, { staged: true })
        files[p] = fileEntry(await readFile(join(stagingDir, p)))
      }
      if (paths.length === 0) throw new Error('S3ArtifactStore.commit: nothing staged')
      const manifest = manifestOf(files)
      const base = `${this.prefix}versions/${manifest.sha256}/`
      if (!(await this.exists(base + MANIFEST_FILE))) {
        for (const p of paths) await this.request('PUT', base + p, new Uint8Array(await readFile(join(stagingDir, p))))
        await this.request('PUT', base + MANIFEST_FILE, new TextEncoder().encode(JSON.stringify(manifest, null, 2)))
      }
      return { ...manifest, uri: `s3://${this.o.bucket}/${base}` }
    } finally {
      await this.discard(stagingDir)
    }
  }

  async read(uri: string, path: string): Promise<Uint8Array> {
    checkArtifactPath(path)
    const head = `s3://${this.o.bucket}/`
    if (!uri.startsWith(head) || !uri.endsWith('/')) throw new Error(`S3ArtifactStore: ${uri} is not a version in bucket ${this.o.bucket}`)
    return this.request('GET', uri.slice(head.length) + path)
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.request('HEAD', key)
      return true
    } catch (e) {
      if (e instanceof S3Error && e.status === 404) return false
      throw e
    }
  }

  private async request(method: 'GET' | 'PUT' | 'HEAD', key: string, body?: Uint8Array): Promise<Uint8Array> {
    const url = new URL(`${this.o.endpoint.replace(/\/$/, '')}/${uriEncode(this.o.bucket, false)}/${uriEncode(key, true)}`)
    const headers = await signRequest(
      { method, url, body, region: this.region, headers: body ? { 'content-type': 'application/octet-stream' } : {} },
      this.o,
    )
    delete headers.host // fetch sets it (same value)
    const res = await (this.o.fetch ?? fetch)(url, { method, headers, body: body as BodyInit | undefined })
    if (!res.ok) {
      const text = method === 'HEAD' ? '' : await res.text()
      throw new S3Error(res.status, `S3 ${method} ${key}: ${res.status} ${text.slice(0, 300)}`)
    }
    return new Uint8Array(await res.arrayBuffer())
  }
}
