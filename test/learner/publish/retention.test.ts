/**
 * Retention (`cohort learn --keep-versions N`): old versions' files leave the store — the local folder and a real
 * S3-compatible server (s3rver) — and their rows are marked pruned; never version 0 (the base model), never one of
 * the newest N, never one a live lease or an untrained group still names; the edge then answers 410 for their files.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeArtifactReader } from '../../../edge/node.js'
import { LocalArtifactStore, publish, pruneVersions, S3ArtifactStore, type ArtifactStore } from '../../../learner/publish/index.js'
import { resolveLearnConfig } from '../../../learner/service/index.js'
import { getModel, leasePrompt } from '../../../schema/queries/index.js'
import type { Db } from '../../../schema/pg.js'
import { seedTask, testEdge, type TestEdge } from '../../helpers/edge.js'
import { seedGroups } from '../service/seed.js'

const dir = mkdtempSync(join(tmpdir(), 'cohort-retention-'))
let t: TestEdge
beforeAll(async () => {
  t = await testEdge({}, nodeArtifactReader({}))
})
afterAll(async () => {
  await t?.close()
  rmSync(dir, { recursive: true, force: true })
})

const version = (db: Db, store: ArtifactStore, step: number) =>
  publish(db, store, {
    step,
    write: async (d) => {
      await mkdir(join(d, 'onnx'), { recursive: true })
      await writeFile(join(d, 'onnx', 'model.onnx'), `weights of step ${step}`)
      await writeFile(join(d, 'config.json'), '{}') // shared by every version: content addressing is per version
    },
  })

describe('retention', () => {
  it('keeps v0, the newest N and what leases and untrained groups name; prunes the rest; the edge answers 410', async () => {
    const store = new LocalArtifactStore(join(dir, 'local'))
    const task = await seedTask(t.db, 'r', { prompts: 2 })
    const v = [await version(t.db, store, 0), await version(t.db, store, 1)]
    const lease = await leasePrompt(t.db, { taskId: task.id, workerKeyId: t.keyIds.worker, leaseSeconds: 600 }) // names v1
    expect(lease!.modelVersion).toBe(1)
    for (let s = 2; s <= 6; s++) v.push(await version(t.db, store, s))
    await seedGroups(t.db, { groups: 1, policyVersion: 2 }) // ready: the learner still needs v2's weights

    expect(await pruneVersions(t.db, store, 2)).toEqual([3, 4])
    for (const n of [0, 1, 2, 5, 6]) expect(existsSync(fileURLToPath(v[n].artifactUri)), `v${n}`).toBe(true)
    for (const n of [3, 4]) {
      expect(existsSync(fileURLToPath(v[n].artifactUri)), `v${n}`).toBe(false)
      expect((await getModel(t.db, n))!.prunedAt).toBeInstanceOf(Date)
      const res = await t.call('GET', `/v1/models/${n}/files/config.json`, { key: t.keys.worker })
      expect(res.status).toBe(410)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    expect((await t.call('GET', `/v1/models/5/files/config.json`, { key: t.keys.worker })).status).toBe(200)
    expect(await pruneVersions(t.db, store, 2)).toEqual([]) // nothing new to do
    await expect(pruneVersions(t.db, store, 0)).rejects.toThrow(RangeError)
  })

  it('deletes every object of a pruned version from S3', async () => {
    const s3dir = join(dir, 's3')
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'models' }] })
    const { port } = await server.run()
    try {
      const other = await testEdge()
      try {
        const store = new S3ArtifactStore({ endpoint: `http://127.0.0.1:${port}`, bucket: 'models', prefix: 'r/', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })
        const vs = []
        for (let s = 0; s < 4; s++) vs.push(await version(other.db, store, s))
        expect(await pruneVersions(other.db, store, 2)).toEqual([1])
        await expect(store.read(vs[1].artifactUri, 'onnx/model.onnx')).rejects.toThrow(/404/)
        await expect(store.read(vs[1].artifactUri, 'manifest.json')).rejects.toThrow(/404/)
        for (const n of [0, 2, 3]) expect(new TextDecoder().decode(await store.read(vs[n].artifactUri, 'onnx/model.onnx'))).toBe(`weights of step ${n}`)
      } finally {
        await other.close()
      }
    } finally {
      await server.close()
    }
  })

  it('cohort learn keeps 20 by default and refuses --keep-versions 0', () => {
    expect(resolveLearnConfig({ owner: 'x' }).keepVersions).toBe(20)
    expect(() => resolveLearnConfig({ owner: 'x', keepVersions: 0 })).toThrow(/keepVersions must be an integer ≥ 1/)
  })
})
