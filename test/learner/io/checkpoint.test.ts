import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { paramSpecs, resolveConfig } from '../../../learner/config.js'
import { initParams, loadCheckpoint, readSafetensors, saveCheckpoint, writeSafetensors, type Tensor } from '../../../learner/io/index.js'
import { byteTokenizer, hfTokenizer } from '../../../learner/tokenizer/index.js'

const tiny = (over: Record<string, unknown> = {}) =>
  resolveConfig({ hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 12, vocab_size: 259, ...over })

const dirs: string[] = []
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'cohort-ckpt-'))
  dirs.push(d)
  return d
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('checkpoint folders', () => {
  it('round-trips config, params (paramSpecs order) and the byte tokenizer', async () => {
    const config = tiny()
    const params = initParams(config, 1)
    const dir = await tmp()
    await saveCheckpoint(dir, { config, params, tokenizer: byteTokenizer() })
    const raw = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
    expect(raw.architectures).toEqual(['LlamaForCausalLM'])
    expect(raw.cohort_tokenizer).toBe('bytes')
    expect(raw.eos_token_id).toBe(258)
    const back = await loadCheckpoint(dir)
    expect(back.config).toEqual({ ...config, eos_token_id: 258, bos_token_id: 257, pad_token_id: 256 })
    expect([...back.params.keys()]).toEqual(paramSpecs(config).map((s) => s.name))
    for (const [k, v] of params) expect(back.params.get(k)).toEqual(v)
    expect(back.tokenizer?.decode(back.tokenizer.encode('héllo'))).toBe('héllo')
  })

  it('tied embeddings: no lm_head written; a stored lm_head is ignored on load', async () => {
    const config = tiny({ model_type: 'qwen2', tie_word_embeddings: true })
    const params = initParams(config, 2)
    expect(params.has('lm_head.weight')).toBe(false)
    expect(params.get('model.layers.0.self_attn.q_proj.bias')?.every((x) => x === 0)).toBe(true)
    const dir = await tmp()
    await saveCheckpoint(dir, { config, params })
    const file = readSafetensors(await readFile(join(dir, 'model.safetensors')))
    expect('lm_head.weight' in file).toBe(false)
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).architectures).toEqual(['Qwen2ForCausalLM'])
    // a checkpoint that also stores the tied matrix (some exporters do) still loads
    const withHead: Record<string, Tensor> = { ...file, 'lm_head.weight': file['model.embed_tokens.weight'] }
    await writeFile(join(dir, 'model.safetensors'), writeSafetensors(withHead))
    const back = await loadCheckpoint(dir)
    expect(back.params.size).toBe(paramSpecs(config).length)
    expect(back.tokenizer).toBeUndefined()
  })

  it('sharded save and load (index + shards), BF16 weights widened', async () => {
    const config = tiny()
    const params = initParams(config, 3)
    const dir = await tmp()
    await saveCheckpoint(dir, { config, params }, { maxShardBytes: 3000 })
    const files = await readdir(dir)
    const shards = files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f))
    expect(shards.length).toBeGreaterThan(2)
    expect(files).toContain('model.safetensors.index.json')
    const back = await loadCheckpoint(dir)
    for (const [k, v] of params) expect(back.params.get(k)).toEqual(v)

    // the same weights as BF16 in one file: values truncated to bf16 precision
    const bf: Record<string, Tensor> = {}
    for (const s of paramSpecs(config)) {
      const src = new Uint32Array(params.get(s.name)!.slice().buffer)
      bf[s.name] = { dtype: 'BF16', shape: s.shape, data: Uint16Array.from(src, (b) => b >>> 16) }
    }
    const dir2 = await tmp()
    await writeFile(join(dir2, 'config.json'), JSON.stringify(config))
    await writeFile(join(dir2, 'model.safetensors'), writeSafetensors(bf))
    const w = (await loadCheckpoint(dir2)).params.get('model.embed_tokens.weight')!
    const ref = params.get('model.embed_tokens.weight')!
    for (let i = 0; i < ref.length; i++) expect(Math.abs(w[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) / 128)
  })

  it('loads tokenizer.json with tokenizer_config specials', async () => {
    const config = tiny({ vocab_size: 8 })
    const dir = await tmp()
    await saveCheckpoint(dir, { config, params: initParams(config, 4) })
    const tj = {
      version: '1.0',
      added_tokens: [{ id: 0, content: '[EOS]', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }],
      normalizer: null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: { type: 'BPE', vocab: { '[EOS]': 0, o: 1, n: 2, e: 3, on: 4, one: 5 }, merges: ['o n', 'on e'] },
    }
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tj))
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '[EOS]' }))
    const { tokenizer } = await loadCheckpoint(dir)
    expect(tokenizer?.encode('one no')).toEqual([5, 2, 1])
    expect(tokenizer?.eos).toBe(0)
    expect(tokenizer?.pad).toBe(0)
    // saving keeps tokenizer.json byte for byte
    const dir2 = await tmp()
    await saveCheckpoint(dir2, { config, params: initParams(config, 4), tokenizer: hfTokenizer(JSON.stringify(tj), { eos_token: '[EOS]' }) })
    expect(JSON.parse(await readFile(join(dir2, 'tokenizer.json'), 'utf8'))).toEqual(tj)
  })

  it('refuses missing, misshapen and unknown tensors and unsupported options', async () => {
    const config = tiny()
    const params = initParams(config, 5)
    const dir = await tmp()
    await saveCheckpoint(dir, { config, params })
    const file = readSafetensors(await readFile(join(dir, 'model.safetensors')))
    const rewrite = async (t: Record<string, Tensor>) => writeFile(join(dir, 'model.safetensors'), writeSafetensors(t))

    const { ['model.norm.weight']: _, ...noNorm } = file
    await rewrite(noNorm)
    await expect(loadCheckpoint(dir)).rejects.toThrow(/missing tensors: model\.norm\.weight/)

    await rewrite({ ...file, 'model.norm.weight': { dtype: 'F32', shape: [4], data: new Float32Array(4) } })
    await expect(loadCheckpoint(dir)).rejects.toThrow(/model\.norm\.weight: shape \[4\] in the file, config\.json implies \[8\]/)

    await rewrite({ ...file, 'model.layers.0.mlp.gate_proj.bias': { dtype: 'F32', shape: [12], data: new Float32Array(12) } })
    await expect(loadCheckpoint(dir)).rejects.toThrow(/unexpected tensors.*gate_proj\.bias/)

    await rewrite({ ...file, 'model.layers.0.self_attn.rotary_emb.inv_freq': { dtype: 'F32', shape: [2], data: new Float32Array(2) } })
    await expect(loadCheckpoint(dir)).resolves.toBeTruthy()

    const { model_type: _type, ...untyped } = config
    await writeFile(join(dir, 'config.json'), JSON.stringify(untyped))
    await expect(loadCheckpoint(dir)).rejects.toThrow(/config\.json: no model_type/) // before: loaded as llama
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, rope_scaling: { rope_type: 'llama3' } }))
    await expect(loadCheckpoint(dir)).rejects.toThrow(/unsupported options: rope_scaling/)
    await expect(saveCheckpoint(dir, { config, params: new Map() })).rejects.toThrow(/missing parameter/)
  })

  it('re-saving the PyTorch-written golden checkpoints reproduces model.safetensors byte for byte', async () => {
    for (const name of ['llama', 'qwen2-tied']) {
      const src = join(import.meta.dirname, '../../fixtures/golden', name)
      const dir = await tmp()
      await saveCheckpoint(dir, await loadCheckpoint(src))
      expect(await readFile(join(dir, 'model.safetensors'))).toEqual(await readFile(join(src, 'model.safetensors')))
    }
  })

  it('initParams: seeded, N(0, 0.02) matrices, unit norms', () => {
    const config = tiny({ hidden_size: 64, num_attention_heads: 4, intermediate_size: 128 })
    const a = initParams(config, 7)
    expect(initParams(config, 7).get('lm_head.weight')).toEqual(a.get('lm_head.weight'))
    expect(initParams(config, 8).get('lm_head.weight')).not.toEqual(a.get('lm_head.weight'))
    const w = a.get('model.embed_tokens.weight')!
    const mean = w.reduce((s, x) => s + x, 0) / w.length
    const std = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length)
    expect(Math.abs(mean)).toBeLessThan(0.001)
    expect(std).toBeGreaterThan(0.019)
    expect(std).toBeLessThan(0.021)
    expect(a.get('model.layers.1.post_attention_layernorm.weight')!.every((x) => x === 1)).toBe(true)
    const padded = initParams(resolveConfig({ ...config, pad_token_id: 3 }), 7).get('model.embed_tokens.weight')!
    expect(padded.subarray(3 * 64, 4 * 64).every((x) => x === 0)).toBe(true)
    expect(padded.subarray(2 * 64, 3 * 64).some((x) => x !== 0)).toBe(true)
  })
})
