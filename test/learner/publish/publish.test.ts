/** Publishing: content addressing, all-or-nothing versions, verification, and resume checkpoints. */
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../learner/config.js'
import { loadInferenceModel } from '../../../learner/generate/index.js'
import { initParams, loadCheckpoint } from '../../../learner/io/index.js'
import {
  canonicalManifest,
  CheckpointStore,
  LocalArtifactStore,
  manifestOf,
  publish,
  verifyVersion,
  writePolicyFiles,
} from '../../../learner/publish/index.js'
import { byteTokenizer } from '../../../learner/tokenizer/index.js'
import { latestModel } from '../../../schema/queries/index.js'
import { freshDatabase, type TestDatabase } from '../../helpers/db.js'

const config = resolveConfig({
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  intermediate_size: 32,
  vocab_size: 260,
  max_position_embeddings: 32,
})
const hex = (s: string) => createHash('sha256').update(s).digest('hex')

let t: TestDatabase
let dir: string
beforeAll(async () => {
  t = await freshDatabase()
  dir = await mkdtemp(join(tmpdir(), 'cohort-publish-'))
})
afterAll(() => t?.drop())

describe('manifest', () => {
  it('is canonical JSON sorted by path, hashed with sha256', () => {
    const files = { 'b.bin': { sha256: 'bb', bytes: 2 }, 'a.json': { sha256: 'aa', bytes: 1 } }
    const text = '{"files":{"a.json":{"bytes":1,"sha256":"aa"},"b.bin":{"bytes":2,"sha256":"bb"}}}'
    expect(canonicalManifest(files)).toBe(text)
    expect(manifestOf(files).sha256).toBe(hex(text))
    expect(Object.keys(manifestOf(files).files)).toEqual(['a.json', 'b.bin'])
    expect(manifestOf({ 'a.json': { sha256: 'ab', bytes: 1 }, 'b.bin': files['b.bin'] }).sha256).not.toBe(hex(text))
  })
})

describe('publish to a LocalArtifactStore', () => {
  it('writes a loadable, content-addressed version and only then its row', async () => {
    const store = new LocalArtifactStore(join(dir, 'artifacts'))
    const params = initParams(config, 1)
    const bucket = { batch: 2, promptLength: 4, cacheLength: 8 }
    const v = await publish(t.db, store, {
      step: 0,
      metrics: { note: 'base' },
      write: (d) => writePolicyFiles(d, { config, params, tokenizer: byteTokenizer() }, bucket),
    })
    expect(v.version).toBe(0)
    expect(Object.keys(v.files as object).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'onnx/decode/model.onnx',
      'onnx/generation.json',
      'onnx/prefill/model.onnx',
    ])
    expect(v.artifactUri).toMatch(new RegExp(`/versions/${v.sha256}/$`))
    expect(v.sha256).toBe(manifestOf(v.files as any).sha256)
    // independent check of one file's hash
    const bytes = await store.read(v.artifactUri, 'onnx/decode/model.onnx')
    expect((v.files as any)['onnx/decode/model.onnx'].sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(await verifyVersion(store, v)).toEqual({ ok: true, problems: [] })
    // the version folder is an HF checkpoint folder with the very weights, and a generator can load it
    const back = await loadCheckpoint(fileURLToPath(v.artifactUri))
    for (const [name, p] of params) expect(back.params.get(name)).toEqual(p)
    expect(back.tokenizer?.eos).toBe(byteTokenizer().eos)
    const model = await loadInferenceModel(fileURLToPath(v.artifactUri))
    expect(model.bucket).toEqual(bucket)
    expect(await readdir(join(dir, 'artifacts', 'staging'))).toEqual([])
  })

  it('a failing write publishes nothing and leaves no staging folder', async () => {
    const store = new LocalArtifactStore(join(dir, 'artifacts'))
    const before = await latestModel(t.db)
    const err = await publish(t.db, store, {
      step: 9,
      write: async (d) => {
        await writeFile(join(d, 'config.json'), '{}')
        throw new Error('disk full')
      },
    }).catch((e) => e)
    expect(err.message).toBe('disk full')
    expect((await latestModel(t.db))?.version).toBe(before?.version)
    expect(await readdir(join(dir, 'artifacts', 'staging'))).toEqual([])
  })

  it('same files → same address (stored once); a changed byte → new address; tampering is detected', async () => {
    const store = new LocalArtifactStore(join(dir, 'artifacts2'))
    const write = (text: string) => async (d: string) => {
      await mkdir(join(d, 'onnx'))
      await writeFile(join(d, 'onnx', 'g.onnx'), text)
      await writeFile(join(d, 'config.json'), '{"a":1}')
    }
    const a = await publish(t.db, store, { step: 1, write: write('graph-1') })
    const b = await publish(t.db, store, { step: 2, write: write('graph-1') })
    const c = await publish(t.db, store, { step: 3, write: write('graph-2') })
    expect(b.sha256).toBe(a.sha256)
    expect(b.version).toBe(a.version + 1)
    expect(c.sha256).not.toBe(a.sha256)
    expect(await readdir(join(dir, 'artifacts2', 'versions'))).toHaveLength(2)
    await writeFile(join(fileURLToPath(c.artifactUri), 'onnx', 'g.onnx'), 'graph-X')
    const r = await verifyVersion(store, c)
    expect(r.ok).toBe(false)
    expect(r.problems.join('\n')).toMatch(/onnx\/g\.onnx: sha256/)
    expect((await verifyVersion(store, { ...a, sha256: 'f'.repeat(64) })).problems.length).toBeGreaterThan(0)
  })

  it('refuses paths outside the version', async () => {
    const store = new LocalArtifactStore(join(dir, 'artifacts'))
    await expect(store.read('file:///tmp/x/', '../etc/passwd')).rejects.toThrow(/relative/)
    await expect(store.read('file:///tmp/x/', 'manifest.json/../../y')).rejects.toThrow(/relative/)
  })
})

describe('CheckpointStore', () => {
  it('saves complete step folders, lists newest first, keeps the newest `keep`, ignores unfinished ones', async () => {
    const root = join(dir, 'ckpt')
    const store = new CheckpointStore(root, 2)
    expect(await store.latest()).toBeNull()
    const files = (f: Record<string, string | Uint8Array>) => async (d: string) => {
      for (const [name, data] of Object.entries(f)) await writeFile(join(d, name), data)
    }
    for (const step of [1, 2, 3]) await store.save(step, files({ 'state.json': JSON.stringify({ step }), 'w.bin': new Uint8Array([step]) }))
    await mkdir(join(root, 'tmp-crashed')) // what a kill -9 mid-save leaves
    expect((await store.list()).map((c) => c.step)).toEqual([3, 2])
    const latest = (await store.latest())!
    expect(JSON.parse(new TextDecoder().decode(await store.read(latest, 'state.json')))).toEqual({ step: 3 })
    expect([...(await store.read(latest, 'w.bin'))]).toEqual([3])
    await store.save(4, files({ 'state.json': '{}' }))
    expect((await readdir(root)).sort()).toEqual(['step-00000003', 'step-00000004'])
    await expect(store.save(5, async () => { throw new Error('killed') })).rejects.toThrow('killed')
    expect((await readdir(root)).sort()).toEqual(['step-00000003', 'step-00000004'])
  })
})
