/**
 * OnnxGenerator behaviour on a small byte-tokenizer model: seeding and batch independence, greedy, EOS and
 * stop strings, explicit limits, and the published model folder (self-contained ONNX files with HF I/O names)
 * round trip.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../learner/config.js'
import { inferenceSpecs } from '../../../learner/model/index.js'
import {
  buildPrefillGraph,
  DECODE_FILE,
  exportInferenceModel,
  INFERENCE_FILES,
  inferenceModel,
  inferenceModelFromFiles,
  loadInferenceModel,
  OnnxGenerator,
  PREFILL_FILE,
  type GenerateOptions,
  type InferenceBucket,
} from '../../../learner/generate/index.js'
import { encodeModel } from '../../../learner/graph/index.js'
import { initParams, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../../learner/io/index.js'
import { Runtime } from '../../../learner/runtime/index.js'
import { BYTE_BOS, BYTE_EOS, byteTokenizer, promptIds } from '../../../learner/tokenizer/index.js'

const config = resolveConfig({
  model_type: 'llama', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 48, vocab_size: 259, max_position_embeddings: 64,
})
// large init so distributions are peaked and EOS / stop strings actually occur
const ckpt: Checkpoint = { config, params: initParams(config, 7, 0.6), tokenizer: byteTokenizer() }
const bucket: InferenceBucket = { batch: 4, promptLength: 8, cacheLength: 24 }
const opts: GenerateOptions = { n: 3, maxNewTokens: 12, temperature: 0.9, topK: 50, seed: 5 }
const gens: OnnxGenerator[] = []
const make = (b: InferenceBucket = bucket) => {
  const g = new OnnxGenerator(inferenceModel(ckpt, b), { threads: 1 })
  gens.push(g)
  return g
}
afterAll(async () => { await Promise.all(gens.map((g) => g.close())) })

describe('OnnxGenerator', () => {
  it('same seed → same completions, independent of the bucket batch size; another seed differs', async () => {
    const prompts = ['2+2=', 'hi', 'abcdefg']
    const a = await make().generate(prompts, opts)
    const b = await make({ ...bucket, batch: 7 }).generate(prompts, opts)
    const c = await make().generate(prompts, { ...opts, seed: 6 })
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
    expect(a.map((g) => g.promptTokenIds)).toEqual(prompts.map((p) => [...new TextEncoder().encode(p)]))
    for (const g of a) {
      expect(g.completions).toHaveLength(3)
      for (const c of g.completions) {
        expect(c.text).toBe(byteTokenizer().decode(c.tokenIds))
        for (const x of c.logprobs) expect(x).toBeLessThanOrEqual(0)
      }
    }
  })

  it('concurrent calls on one generator (as rollout slots make) give the sequential results', async () => {
    const g = make()
    const calls = [[['ab', 'x'], opts], [['cd'], { ...opts, n: 6, seed: 9 }], [['efg'], { ...opts, temperature: 0 }]] as const
    const together = await Promise.all(calls.map(([p, o]) => g.generate(p, o)))
    for (let i = 0; i < calls.length; i++) expect(together[i]).toEqual(await make().generate(calls[i][0], calls[i][1]))
  })

  it('greedy: every completion is the argmax path, log-probs reported at temperature 1', async () => {
    const [g] = await make().generate(['xyz'], { n: 3, maxNewTokens: 6, temperature: 0 })
    expect(g.completions[1]).toEqual(g.completions[0])
    expect(g.completions[2]).toEqual(g.completions[0])
  })

  it('stops at EOS (kept in tokenIds, finishReason stop) or at maxNewTokens (length)', async () => {
    // make EOS likely: any stop id set works as EOS; use the 8 most frequent first tokens as stop ids
    const probe = await make().generate(['q'], { n: 8, maxNewTokens: 1, temperature: 1, seed: 1 })
    const firsts = [...new Set(probe[0].completions.map((c) => c.tokenIds[0]))]
    const out = await make().generate(['q', 'w'], { n: 4, maxNewTokens: 10, temperature: 1, seed: 1, eos: [BYTE_EOS, ...firsts] })
    const all = out.flatMap((g) => g.completions)
    const stopped = all.filter((c) => c.finishReason === 'stop')
    expect(stopped.length).toBeGreaterThan(0)
    for (const c of stopped) expect([BYTE_EOS, ...firsts]).toContain(c.tokenIds.at(-1))
    for (const c of all.filter((c) => c.finishReason === 'length')) expect(c.tokenIds).toHaveLength(10)
  })

  it('stop strings end a completion and cut its text before the stop string', async () => {
    const [free] = await make().generate(['ab'], { ...opts, n: 1, maxNewTokens: 12 })
    const text = free.completions[0].text
    const stop = text.slice(3, 5)
    expect(stop.length).toBe(2)
    const [cut] = await make().generate(['ab'], { ...opts, n: 1, maxNewTokens: 12, stop: [stop] })
    const c = cut.completions[0]
    expect(c.finishReason).toBe('stop')
    expect(c.text).toBe(text.slice(0, text.indexOf(stop)))
    expect(byteTokenizer().decode(c.tokenIds).endsWith(stop)).toBe(true)
    expect(c.tokenIds).toEqual(free.completions[0].tokenIds.slice(0, c.tokenIds.length))
  })

  it('refuses what the bucket cannot hold, with the limit in the message', async () => {
    const g = make()
    await expect(g.generate(['x'], { ...opts, maxNewTokens: 18 })).rejects.toThrow(/at most 17/)
    await expect(g.generate(['123456789'], opts)).rejects.toThrow(/prompt bucket of 8/)
    await expect(g.generate([[300]], opts)).rejects.toThrow(/outside \[0, 259\)/)
    await expect(g.generate([[]], opts)).rejects.toThrow(/empty prompt/)
    await expect(g.generate(['x'], { ...opts, temperature: -1 })).rejects.toThrow(/temperature/)
    const bare = new OnnxGenerator(inferenceModel({ config, params: ckpt.params }, bucket), { threads: 1 })
    gens.push(bare)
    await expect(bare.generate(['x'], opts)).rejects.toThrow(/tokenizer/)
    expect(() => inferenceModel(ckpt, { batch: 1, promptLength: 8, cacheLength: 64 })).toThrow(/max_position_embeddings/)
    const huge = resolveConfig({ hidden_size: 4096, num_hidden_layers: 40, num_attention_heads: 32, intermediate_size: 11008, vocab_size: 32000 })
    // weights are inputs: a 7B config's graph is small (no 2 GiB ModelProto limit)
    expect(encodeModel(buildPrefillGraph(huge, bucket)).byteLength).toBeLessThan(2_000_000)
  })
})

describe('version handover on a shared runtime', () => {
  it('a new version reuses the sessions (no compile) and samples from its own weights, exactly as a fresh generator', async () => {
    const shared = new Runtime({ threads: 1 })
    const v0 = new OnnxGenerator(inferenceModel(ckpt, bucket), { shared })
    const first = await v0.generate(['2+2='], opts)
    expect(shared.keys()).toHaveLength(2) // prefill + decode
    const other: Checkpoint = { ...ckpt, params: initParams(config, 8, 0.6) }
    const v1 = new OnnxGenerator(inferenceModel(other, bucket), { shared })
    await v0.close() // the old version retires: its sessions stay for v1
    const second = await v1.generate(['2+2='], opts)
    expect(shared.keys()).toHaveLength(2)
    const fresh = new OnnxGenerator(inferenceModel(other, bucket), { threads: 1 })
    gens.push(fresh)
    expect(second).toEqual(await fresh.generate(['2+2='], opts))
    expect(second).not.toEqual(first)
    await v1.close()
    expect(shared.keys()).toHaveLength(0) // the last user released them
  })
})

describe('published model folder', () => {
  let dir = ''
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }) })

  it('writes weight-free ONNX graphs with HF names (weights: inputs named as model.safetensors) that generate exactly as the in-memory model', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cohort-gen-'))
    await saveCheckpoint(dir, ckpt)
    await exportInferenceModel(dir, ckpt, bucket)
    const { onnx } = onnxProto
    const L = config.num_hidden_layers
    for (const [file, inputs, slots] of [
      [PREFILL_FILE, ['input_ids', 'attention_mask', 'position_ids', 'temperature'], bucket.cacheLength],
      [DECODE_FILE, ['input_ids', 'attention_mask', 'position_ids', ...Array.from({ length: L }, (_, l) => [`past_key_values.${l}.key`, `past_key_values.${l}.value`]).flat(), 'temperature'], 1],
    ] as const) {
      const m = onnx.ModelProto.decode(await readFile(join(dir, file)))
      const specs = inferenceSpecs(config)
      expect(specs.map((s) => s.name).filter((n) => n.startsWith('model.layers.0.') && n.endsWith('proj.weight'))).toEqual(
        ['model.layers.0.self_attn.qkv_proj.weight', 'model.layers.0.self_attn.o_proj.weight', 'model.layers.0.mlp.gate_up_proj.weight', 'model.layers.0.mlp.down_proj.weight'])
      expect(m.graph!.input!.map((i) => i.name)).toEqual([...inputs, ...specs.map((s) => s.name)])
      expect(m.graph!.output!.map((o) => o.name)).toEqual(['logits', 'probs', ...Array.from({ length: L }, (_, l) => [`present.${l}.key`, `present.${l}.value`]).flat()])
      const dims = (v: onnxProto.onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))
      const byName = new Map(m.graph!.input!.map((i) => [i.name!, i]))
      for (const s of specs) expect(dims(byName.get(s.name)!)).toEqual(s.shape)
      const present = m.graph!.output!.find((o) => o.name === 'present.0.key')!
      expect(dims(present)).toEqual([bucket.batch, config.num_key_value_heads, slots, config.head_dim]) // decode: the new token only
      const inits = new Set(m.graph!.initializer!.map((t) => t.name!))
      for (const s of specs) expect(inits.has(s.name)).toBe(false)
    }
    const loaded = await loadInferenceModel(dir)
    expect(loaded.bucket).toEqual(bucket)
    const fromFiles = new OnnxGenerator(loaded, { threads: 1 })
    gens.push(fromFiles)
    expect(await fromFiles.generate(['7*6='], opts)).toEqual(await make().generate(['7*6='], opts))
  })
  it('cohort_prompt_bos (the learner\'s --add-bos) round-trips through the folder and makes the worker prompt with BOS, as the learner does', async () => {
    const bos = await mkdtemp(join(tmpdir(), 'cohort-gen-bos-'))
    try {
      await saveCheckpoint(bos, { ...ckpt, promptBos: true })
      await exportInferenceModel(bos, ckpt, bucket)
      expect(JSON.parse(await readFile(join(bos, 'config.json'), 'utf8')).cohort_prompt_bos).toBe(true)
      expect((await loadCheckpoint(bos)).promptBos).toBe(true)
      // a folder written without it is unchanged (no key) and prompts without BOS
      expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).not.toHaveProperty('cohort_prompt_bos')
      expect((await loadCheckpoint(dir)).promptBos).toBeUndefined()
      const files = new Map<string, Uint8Array>()
      for (const f of INFERENCE_FILES.required) files.set(f, new Uint8Array(await readFile(join(bos, f))))
      for (const model of [await loadInferenceModel(bos), inferenceModelFromFiles(files), inferenceModel({ ...ckpt, promptBos: true }, bucket)]) {
        const g = new OnnxGenerator(model, { threads: 1 })
        gens.push(g)
        expect(g.addBos).toBe(true)
        const [out] = await g.generate(['7*6='], { ...opts, n: 1 })
        // the ids prepareGroup builds for a learner run with --add-bos
        expect(out.promptTokenIds).toEqual(promptIds(ckpt.tokenizer!, '7*6=', { addBos: true }))
        expect(out.promptTokenIds[0]).toBe(BYTE_BOS)
      }
      const plain = new OnnxGenerator(await loadInferenceModel(dir), { threads: 1 })
      gens.push(plain)
      expect(plain.addBos).toBe(false)
      expect((await plain.generate(['7*6='], { ...opts, n: 1 }))[0].promptTokenIds[0]).not.toBe(BYTE_BOS)
    } finally {
      await rm(bos, { recursive: true, force: true })
    }
  })
})
