/**
 * S3ArtifactStore: SigV4 against independent golden values (AWS's published S3 GET example; two requests signed
 * by botocore 1.43 S3SigV4Auth), and the store's protocol against a real S3-compatible server (s3rver, which
 * checks the requests' shape but not V4 signatures, hence the golden values).
 */
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchVersion, publish, S3ArtifactStore, signRequest, verifyVersion } from '../../../learner/publish/index.js'
import { freshDatabase, type TestDatabase } from '../../helpers/db.js'

const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
const sig = (h: Record<string, string>) => /Signature=([0-9a-f]{64})$/.exec(h.authorization)![1]

describe('SigV4', () => {
  it('reproduces AWS’s S3 GET Object example', async () => {
    const h = await signRequest(
      { method: 'GET', url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'), headers: { Range: 'bytes=0-9' }, region: 'us-east-1', now: new Date('2013-05-24T00:00:00Z') },
      creds,
    )
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    )
  })

  it('matches botocore on a PUT with a body and an escaped key, and on a GET with a query', async () => {
    const now = new Date('2026-11-24T05:00:00Z')
    const put = await signRequest(
      {
        method: 'PUT',
        url: new URL('http://127.0.0.1:9000/models/cohort/versions/ab%20cd/onnx/decode/model.onnx'),
        headers: { 'Content-Type': 'application/octet-stream' },
        body: new TextEncoder().encode('hello world'),
        region: 'auto',
        now,
      },
      creds,
    )
    expect(put['x-amz-content-sha256']).toBe('b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9')
    expect(sig(put)).toBe('8d85b8cea0ee0c08d0bc706a456a0f18c02462de4259f3f2bd8704e48f87165c')
    const list = await signRequest(
      { method: 'GET', url: new URL('http://127.0.0.1:9000/models?list-type=2&prefix=cohort%2Fversions%2F&max-keys=10'), region: 'auto', now },
      creds,
    )
    expect(sig(list)).toBe('f10d90d1f0644340e15d5616d4028da07f2e21c84f711224b37a8b68e1416ee4')
  })
})

describe('S3ArtifactStore on s3rver', () => {
  let server: S3rver
  let store: S3ArtifactStore
  let t: TestDatabase
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-s3-'))
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'models' }] })
    const { port } = await server.run()
    store = new S3ArtifactStore({ endpoint: `http://127.0.0.1:${port}`, bucket: 'models', prefix: 'cohort/', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })
    t = await freshDatabase()
  })
  afterAll(async () => {
    await server?.close()
    await t?.drop()
  })

  it('publishes a version whose objects verify, downloads it, and detects a wrong row', async () => {
    const v = await publish(t.db, store, {
      step: 1,
      write: async (d) => {
        await mkdir(join(d, 'onnx', 'decode'), { recursive: true })
        await writeFile(join(d, 'onnx', 'decode', 'model.onnx'), 'graph bytes')
        await writeFile(join(d, 'config.json'), '{"hidden_size": 8}')
      },
    })
    expect(v.artifactUri).toBe(`s3://models/cohort/versions/${v.sha256}/`)
    expect(await verifyVersion(store, v)).toEqual({ ok: true, problems: [] })
    const out = await mkdtemp(join(tmpdir(), 'cohort-s3-get-'))
    await fetchVersion(store, v, out)
    expect(await readFile(join(out, 'config.json'), 'utf8')).toBe('{"hidden_size": 8}')
    const wrong = { ...v, files: { ...(v.files as any), 'config.json': { sha256: '0'.repeat(64), bytes: 18 } } }
    expect((await verifyVersion(store, wrong)).ok).toBe(false)
    await expect(store.read(v.artifactUri, 'missing.bin')).rejects.toThrow(/404/)
  })
})
