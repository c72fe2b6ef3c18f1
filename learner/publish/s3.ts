/**
 * S3ArtifactStore: versions in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO …), path-style URLs,
 * requests signed with SigV4 (common/artifacts: fetch + Web Crypto, no SDK). Objects:
 *   <prefix>versions/<sha256>/<path>           every file of the version
 *   <prefix>versions/<sha256>/manifest.json    uploaded last
 * Staging is a local temp folder. commit uploads the files, then the manifest; a version whose manifest is
 * already there is not uploaded again. Visibility comes from the model_versions row, inserted only after
 * commit returns, so a crash mid-upload leaves unreferenced objects, never a half version in use.
 * Workers download through the edge (GET /v1/models/{version}/files/{name}), which reads the bucket itself.
 * R2: endpoint https://<account>.r2.cloudflarestorage.com, region "auto".
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseS3Uri, s3Request, S3Error, type S3Options } from '../../common/artifacts/index.js'
import { listFiles } from './local.js'
import { checkArtifactPath, fileEntry, manifestOf, MANIFEST_FILE, type FileTable } from './manifest.js'
import type { ArtifactStore, StoredVersion } from './store.js'

export { S3Error, type S3Options }

export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3'
  private readonly prefix: string

  constructor(private readonly o: S3Options) {
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
        for (const p of paths) await s3Request(this.o, 'PUT', base + p, new Uint8Array(await readFile(join(stagingDir, p))))
        await s3Request(this.o, 'PUT', base + MANIFEST_FILE, new TextEncoder().encode(JSON.stringify(manifest, null, 2)))
      }
      return { ...manifest, uri: `s3://${this.o.bucket}/${base}` }
    } finally {
      await this.discard(stagingDir)
    }
  }

  async read(uri: string, path: string): Promise<Uint8Array> {
    checkArtifactPath(path)
    const { bucket, key } = uri.startsWith('s3:') ? parseS3Uri(uri) : { bucket: '', key: '' }
    if (bucket !== this.o.bucket || !key.endsWith('/')) throw new Error(`S3ArtifactStore: ${uri} is not a version in bucket ${this.o.bucket}`)
    return new Uint8Array(await (await s3Request(this.o, 'GET', key + path)).arrayBuffer())
  }

  owns(uri: string): boolean {
    return uri.startsWith(`s3://${this.o.bucket}/${this.prefix}versions/`) && uri.endsWith('/')
  }

  /** DELETE each object, the manifest last (S3 answers 204 for a missing key too). */
  async remove(uri: string, paths: string[]): Promise<void> {
    if (!this.owns(uri)) throw new Error(`S3ArtifactStore: ${uri} is not a version in bucket ${this.o.bucket}`)
    const { key } = parseS3Uri(uri)
    for (const p of [...paths, MANIFEST_FILE]) {
      checkArtifactPath(p)
      await s3Request(this.o, 'DELETE', key + p).catch((e) => {
        if (!(e instanceof S3Error && e.status === 404)) throw e
      })
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await s3Request(this.o, 'HEAD', key)
      return true
    } catch (e) {
      if (e instanceof S3Error && e.status === 404) return false
      throw e
    }
  }
}
