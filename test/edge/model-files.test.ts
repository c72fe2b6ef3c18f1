/**
 * GET /v1/models/{version}/files/{name}: the edge streams a published version's files from where the learner put
 * them — a local folder (file:) and a real S3-compatible server (s3rver, s3:) — with the sha256 in a header;
 * refuses what is not in the version's file table, keyless callers, and locations it has no reader for.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artifactReader, httpReader } from '../../common/artifacts/index.js'
import { nodeArtifactReader } from '../../edge/node.js'
import { LocalArtifactStore, publish, S3ArtifactStore, type ArtifactStore } from '../../learner/publish/index.js'
import { insertModelVersion } from '../../schema/index.js'
import type { ModelVersion } from '../../schema/schema.js'
import { testEdge, type TestEdge } from '../helpers/edge.js'

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')
const FILES: Record<string, Uint8Array> = {
  'config.json': new TextEncoder().encode('{"hidden_size": 8}'),
  'onnx/decode/model.onnx': new Uint8Array(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251)),
}
const write = async (d: string) => {
  for (const [p, b] of Object.entries(FILES)) {
    await mkdir(join(d, p, '..'), { recursive: true })
    await writeFile(join(d, p), b)
  }
}

let dir: string
let s3: S3rver
let env: NodeJS.ProcessEnv
let t: TestEdge
let local: ModelVersion
let remote: ModelVersion
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohort-files-'))
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: 'models' }] })
  const { port } = await s3.run()
  env = {
    COHORT_S3_BUCKET: 'models',
    COHORT_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    COHORT_S3_PREFIX: 'cohort/',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  }
  t = await testEdge({}, nodeArtifactReader(env))
  const s3store: ArtifactStore = new S3ArtifactStore({ endpoint: env.COHORT_S3_ENDPOINT!, bucket: 'models', prefix: 'cohort/', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })
  local = await publish(t.db, new LocalArtifactStore(join(dir, 'artifacts')), { step: 0, write })
  FILES['config.json'] = new TextEncoder().encode('{"hidden_size": 16}') // a different version's bytes
  remote = await publish(t.db, s3store, { step: 5, write })
})
afterAll(async () => {
  await t?.close()
  await s3?.close()
  await rm(dir, { recursive: true, force: true })
})

const get = (path: string, key?: string | null) => t.call('GET', path, { key: key === undefined ? t.keys.worker : key })

describe('model files through the edge', () => {
  it('streams every file of a file: and an s3: version, byte-exact, sha256 in x-cohort-sha256', async () => {
    expect(local.artifactUri).toMatch(/^file:/)
    expect(remote.artifactUri).toMatch(/^s3:\/\/models\/cohort\/versions\//)
    for (const v of [local, remote])
      for (const [path, want] of Object.entries(v.files as Record<string, { sha256: string; bytes: number }>)) {
        const res = await get(`/v1/models/${v.version}/files/${path}`)
        expect(res.status, path).toBe(200)
        const body = new Uint8Array(await res.arrayBuffer())
        expect(body.byteLength).toBe(want.bytes)
        expect(sha(body)).toBe(want.sha256)
        expect(res.headers.get('x-cohort-sha256')).toBe(want.sha256)
        expect(res.headers.get('etag')).toBe(`"${want.sha256}"`)
        expect(res.headers.get('content-length')).toBe(String(want.bytes))
      }
    const a = await (await get(`/v1/models/${local.version}/files/config.json`)).text()
    const b = await (await get(`/v1/models/${remote.version}/files/config.json`)).text()
    expect([a, b]).toEqual(['{"hidden_size": 8}', '{"hidden_size": 16}'])
  })

  it('accepts the nested name %2F-encoded too; any role may download', async () => {
    for (const key of [t.keys.rater, t.keys.learner, t.keys.admin]) {
      const res = await get(`/v1/models/${remote.version}/files/onnx%2Fdecode%2Fmodel.onnx`, key)
      expect(res.status).toBe(200)
      expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(FILES['onnx/decode/model.onnx']))
    }
  })

  it('404 for names outside the file table (manifest, traversal, unknown) and unknown versions; 401 without a key; 400 bad version', async () => {
    for (const path of [
      `/v1/models/${local.version}/files/manifest.json`,
      `/v1/models/${local.version}/files/..%2F..%2Fetc%2Fpasswd`,
      `/v1/models/${local.version}/files/onnx/decode`,
      `/v1/models/${local.version}/files/nope.bin`,
      `/v1/models/99/files/config.json`,
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    expect((await get(`/v1/models/${local.version}/files/config.json`, null)).status).toBe(401)
    expect((await get('/v1/models/x/files/config.json')).status).toBe(400)
  })

  it('404 when the store lost the object; 501 for a location this edge cannot read; 502 when the store fails', async () => {
    await rm(join(fileURLToPath(local.artifactUri), 'config.json'))
    const lost = await get(`/v1/models/${local.version}/files/config.json`)
    expect(lost.status).toBe(404)
    expect(((await lost.json()) as { detail: string }).detail).toMatch(/no longer in the artifact store/)

    const noS3 = await testEdge({}, artifactReader({ http: httpReader }))
    try {
      const v = remote
      await insertModelVersion(noS3.db, { version: v.version, step: v.step, artifactUri: v.artifactUri, sha256: v.sha256, files: v.files, metrics: {} })
      const res = await noS3.call('GET', `/v1/models/${remote.version}/files/config.json`, { key: noS3.keys.worker })
      expect(res.status).toBe(501)
      expect(((await res.json()) as { detail: string }).detail).toMatch(/cannot read s3: artifact locations/)
    } finally {
      await noS3.close()
    }

    await s3.close() // the bucket goes away: a gateway failure, not a missing file
    s3 = undefined!
    const down = await get(`/v1/models/${remote.version}/files/config.json`)
    expect(down.status).toBe(502)
    expect(down.headers.get('content-type')).toContain('application/problem+json')
  })
})
