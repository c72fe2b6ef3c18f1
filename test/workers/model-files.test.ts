/**
 * GET /v1/models/{version}/files/{name} inside workerd with an R2 bucket binding (Miniflare's R2): a version
 * published to R2 (s3://models/… as the learner's S3 client names it) streams byte-exact with its sha256;
 * an object missing from the bucket is a 404, a version in another bucket a 502, a file: version (the learner's
 * local disk, unreachable from Workers) a 501 — each as problem+json.
 */
import { env, exports } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { requestDatabase } from '../../schema/pg.js'
import { insertModelVersion } from '../../schema/queries/index.js'

const admin = inject('adminKey')
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('')
const sha = async (b: Uint8Array) => hex(await crypto.subtle.digest('SHA-256', b as BufferSource))
const get = (path: string, key: string | null = admin) =>
  exports.default.fetch(`http://edge.test${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} })

describe('model files from an R2 binding', () => {
  it('streams a version published to R2; 404 / 501 / 502 problems otherwise', async () => {
    const files: Record<string, Uint8Array> = {
      'config.json': new TextEncoder().encode('{"hidden_size": 8}'),
      'onnx/prefill/model.onnx': Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 253),
    }
    const base = `cohort/versions/${'e'.repeat(64)}/`
    const table: Record<string, { sha256: string; bytes: number }> = {}
    for (const [p, b] of Object.entries(files)) {
      await env.ARTIFACTS.put(base + p, b)
      table[p] = { sha256: await sha(b), bytes: b.byteLength }
    }
    const rdb = requestDatabase({ DATABASE_URL: inject('databaseUrl') })
    const version = 1000 + Math.floor(Math.random() * 1e6)
    try {
      const row = { step: 1, sha256: 'e'.repeat(64), files: table, metrics: {} }
      await insertModelVersion(rdb.get(), { ...row, version, artifactUri: `s3://models/${base}` })
      await insertModelVersion(rdb.get(), { ...row, version: version + 1, artifactUri: `s3://elsewhere/${base}` })
      await insertModelVersion(rdb.get(), { ...row, version: version + 2, artifactUri: `file:///var/cohort/${base}` })
    } finally {
      await rdb.close()
    }

    for (const [p, b] of Object.entries(files)) {
      const res = await get(`/v1/models/${version}/files/${p}`)
      expect(res.status, p).toBe(200)
      const body = new Uint8Array(await res.arrayBuffer())
      expect(body.byteLength).toBe(b.byteLength)
      expect(await sha(body)).toBe(table[p].sha256)
      expect(res.headers.get('x-cohort-sha256')).toBe(table[p].sha256)
    }
    expect((await get(`/v1/models/${version}/files/config.json`, null)).status).toBe(401)

    await env.ARTIFACTS.delete(base + 'config.json')
    const problem = async (path: string) => {
      const res = await get(path)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      return { status: res.status, detail: ((await res.json()) as { detail: string }).detail }
    }
    expect(await problem(`/v1/models/${version}/files/config.json`)).toMatchObject({ status: 404, detail: expect.stringMatching(/no longer/) })
    expect(await problem(`/v1/models/${version}/files/other.bin`)).toMatchObject({ status: 404 })
    expect(await problem(`/v1/models/${version + 1}/files/config.json`)).toMatchObject({ status: 502, detail: expect.stringMatching(/bucket elsewhere/) })
    expect(await problem(`/v1/models/${version + 2}/files/config.json`)).toMatchObject({ status: 501, detail: expect.stringMatching(/cannot read file:/) })
  })
})
