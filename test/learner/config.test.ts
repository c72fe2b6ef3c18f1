/**
 * config.json reading (learner/config.ts, learner/rope.ts): published configs of the supported families load
 * with the values transformers would use, both RoPE layouts (transformers 4 rope_theta / rope_scaling and
 * transformers 5 rope_parameters) agree, and every option Cohort does not implement is refused by name.
 * (The numerics of each family against the PyTorch reference: test/learner/model/golden.test.ts.)
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hfConfigJson, paramSpecs, resolveConfig } from '../../learner/config.js'
import { Graph } from '../../learner/graph/index.js'
import { buildForward, paramInputs } from '../../learner/model/index.js'
import { invFreq } from '../../learner/rope.js'

const hf = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/hf-configs', `${name}.json`), 'utf8')) as Record<string, unknown>
const tiny = { hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 24, vocab_size: 32 }
const refused = (raw: Record<string, unknown>) => {
  try {
    resolveConfig({ ...tiny, ...raw })
  } catch (e) {
    return (e as Error).message
  }
  return 'accepted'
}

describe('published configs', () => {
  it('Qwen3-0.6B: explicit head_dim, q/k norm parameters, no bias, θ 1e6, tied', () => {
    const c = resolveConfig(hf('qwen3-0.6b'))
    expect(c).toMatchObject({ model_type: 'qwen3', head_dim: 128, rope_theta: 1e6, attention_bias: false, tie_word_embeddings: true, eos_token_id: 151645 })
    expect(c.rope_scaling).toBeUndefined()
    expect(c.sliding_window).toBeUndefined()
    const names = paramSpecs(c).map((s) => s.name)
    expect(names).toContain('model.layers.27.self_attn.q_norm.weight')
    expect(paramSpecs(c).find((s) => s.name === 'model.layers.0.self_attn.q_proj.weight')?.shape).toEqual([16 * 128, 1024])
    expect(names.some((n) => n.endsWith('.bias'))).toBe(false)
  })

  it('Llama-3.2-1B-Instruct: llama3 RoPE scaling, the same from the transformers-4 and -5 layouts', () => {
    const c4 = resolveConfig(hf('llama-3.2-1b-instruct'))
    const c5 = resolveConfig(hf('llama-3.2-1b-instruct.transformers5'))
    expect(c5).toEqual(c4)
    expect(c4.rope_theta).toBe(500000)
    expect(c4.rope_scaling).toEqual({ rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 })
    expect(c4.eos_token_id).toEqual([128001, 128008, 128009])
    const f = invFreq(c4, 64)
    expect(f[0]).toBe(1) //                                  wavelength 2π < 8192/4: unchanged
    expect(f[31]).toBeCloseTo(9.41830672543491e-8, 20) //    500000^(−62/64) / 32: wavelength > 8192
    expect(f[16]).toBeCloseTo(4.2955679655936815e-4, 15) //  wavelength 4443: (1 − s)·f/32 + s·f, s = (8192/4443 − 1)/3
  })

  it('Qwen2.5 (sliding_window present, use_sliding_window false), SmolLM2 (rope_interleaved false), Mistral', () => {
    expect(resolveConfig(hf('qwen2.5-0.5b-instruct'))).toMatchObject({ model_type: 'qwen2', attention_bias: true, sliding_window: undefined })
    expect(resolveConfig(hf('smollm2-135m-instruct'))).toMatchObject({ rope_theta: 100000, pad_token_id: 2 })
    expect(resolveConfig(hf('mistral-7b-v0.1'))).toMatchObject({ model_type: 'mistral', sliding_window: 4096 })
  })

  // more published files (README in the fixtures folder: where each text was found); the values below are what
  // transformers' class for the model_type makes of the file (keys in the file, class defaults for the rest)
  it('Llama-3.1-8B: llama3 scaling factor 8, 131072 positions; inverse frequencies by hand', () => {
    const c = resolveConfig(hf('llama-3.1-8b'))
    expect(c).toMatchObject({ model_type: 'llama', num_key_value_heads: 8, head_dim: 128, rope_theta: 500000, rms_norm_eps: 1e-5, max_position_embeddings: 131072, tie_word_embeddings: false, attention_bias: false, eos_token_id: 128001 })
    expect(c.rope_scaling).toEqual({ rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 })
    const f = invFreq(c, 128)
    expect(f[20]).toBeCloseTo(0.016560440080994446, 15) //  wavelength 379 < 8192/4: 500000^(−40/128) unchanged
    expect(f[40]).toBeCloseTo(3.428102195952591e-5, 18) //  wavelength 22911 > 8192: 500000^(−80/128) / 8
    expect(f[32]).toBeCloseTo(5.248461609929547e-4, 17) //  wavelength 4443: (1 − s)·f/8 + s·f, s = (8192/4443 − 1)/3
  })

  it('TinyLlama-1.1B-Chat-v1.0 and SmolLM2-360M: GQA llama, head_dim = hidden / heads', () => {
    expect(resolveConfig(hf('tinyllama-1.1b-chat-v1.0'))).toMatchObject({ num_key_value_heads: 4, head_dim: 64, rope_theta: 10000, max_position_embeddings: 2048, tie_word_embeddings: false, pad_token_id: 0, rope_scaling: undefined })
    expect(resolveConfig(hf('smollm2-360m'))).toMatchObject({ num_attention_heads: 15, num_key_value_heads: 5, head_dim: 64, rope_theta: 100000, tie_word_embeddings: true, bos_token_id: 0, eos_token_id: 0 })
  })

  it('DeepSeek-R1-Distill-Qwen-1.5B and Qwen2.5-Math-1.5B: qwen2 with use_mrope false (refused before), window off', () => {
    const r1 = resolveConfig(hf('deepseek-r1-distill-qwen-1.5b'))
    expect(r1).toMatchObject({ model_type: 'qwen2', num_key_value_heads: 2, head_dim: 128, attention_bias: true, rope_theta: 10000, max_position_embeddings: 131072, tie_word_embeddings: false, eos_token_id: 151643 })
    expect(r1.sliding_window).toBeUndefined()
    // sliding_window 4096 in the file, use_sliding_window false: transformers uses no window
    const math = resolveConfig(hf('qwen2.5-math-1.5b'))
    expect(math).toMatchObject({ model_type: 'qwen2', max_position_embeddings: 4096, tie_word_embeddings: true, rope_theta: 10000, head_dim: 128 })
    expect(math.sliding_window).toBeUndefined()
    expect(refused({ model_type: 'qwen2', use_mrope: true })).toContain('use_mrope=true')
  })

  it('Qwen3-4B-Instruct-2507: head_dim 128 although hidden / heads = 80; θ 5e6, 262144 positions, tied', () => {
    const c = resolveConfig(hf('qwen3-4b-instruct-2507'))
    expect(c).toMatchObject({ model_type: 'qwen3', head_dim: 128, num_key_value_heads: 8, rope_theta: 5e6, max_position_embeddings: 262144, tie_word_embeddings: true, attention_bias: false })
    expect(paramSpecs(c).find((s) => s.name === 'model.layers.0.self_attn.q_proj.weight')?.shape).toEqual([32 * 128, 2560])
    expect(paramSpecs(c).find((s) => s.name === 'model.layers.0.self_attn.o_proj.weight')?.shape).toEqual([2560, 32 * 128])
  })

  it('Mistral-7B-Instruct-v0.3: sliding_window null = no window (not the class default 4096), θ 1e6', () => {
    const c = resolveConfig(hf('mistral-7b-instruct-v0.3'))
    expect(c).toMatchObject({ model_type: 'mistral', vocab_size: 32768, rope_theta: 1e6, head_dim: 128, num_key_value_heads: 8, max_position_embeddings: 32768 })
    expect(c.sliding_window).toBeUndefined()
  })

  it.each([
    ['gemma2-tiny.unsupported', 'model_type=gemma2', ['final_logit_softcapping', 'query_pre_attn_scalar', 'hidden_activation']],
    ['phi-3-mini-4k-instruct.unsupported', 'model_type=phi3', ['auto_map', 'resid_pdrop', 'original_max_position_embeddings']],
    ['smollm3-tiny.transformers5.unsupported', 'model_type=smollm3', ['no_rope_layers']],
    ['marco-mini-instruct-qwen3-moe.unsupported', 'model_type=qwen3_moe', ['num_experts', 'moe_intermediate_size']],
    // every other key of OLMo-2 is one Llama also has: only the model_type tells them apart (its norms sit elsewhere)
    ['olmo-2-1124-13b.unsupported', 'model_type=olmo2', []],
  ])('%s: refused, naming the model type and what it would need', (file, type, keys) => {
    let msg = 'accepted'
    try {
      resolveConfig(hf(file))
    } catch (e) {
      msg = (e as Error).message
    }
    expect(msg).toMatch(/^config\.json: unsupported options: /)
    expect(msg).toContain(`${type} (implemented: llama, qwen2, qwen3, mistral)`)
    for (const k of keys) expect(msg).toContain(k)
  })

  it('the config.json Cohort writes (transformers-4 layout) reads back to the same config, for every family', () => {
    for (const f of ['qwen3-0.6b', 'llama-3.2-1b-instruct', 'qwen2.5-0.5b-instruct', 'smollm2-135m-instruct', 'mistral-7b-v0.1',
      'llama-3.1-8b', 'tinyllama-1.1b-chat-v1.0', 'smollm2-360m', 'deepseek-r1-distill-qwen-1.5b', 'qwen2.5-math-1.5b', 'qwen3-4b-instruct-2507', 'mistral-7b-instruct-v0.3']) {
      const c = resolveConfig(hf(f))
      expect(resolveConfig(JSON.parse(JSON.stringify(hfConfigJson(c)))), f).toEqual(c)
    }
  })

  it('rope_parameters default carries rope_theta (the transformers-5 bug: not silently 10000)', () => {
    expect(resolveConfig({ ...tiny, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }).rope_theta).toBe(1e6)
    expect(resolveConfig({ ...tiny, rope_theta: 5e5, rope_scaling: { rope_type: 'default' } })).toMatchObject({ rope_theta: 5e5, rope_scaling: undefined })
    expect(resolveConfig({ ...tiny, rope_scaling: { type: 'linear', factor: 2 } }).rope_scaling).toEqual({ rope_type: 'linear', factor: 2 })
    expect(invFreq({ rope_theta: 100, rope_scaling: { rope_type: 'linear', factor: 4 } }, 4)).toEqual(Float64Array.from([0.25, 0.1 / 4]))
  })
})

describe("absent keys take the config class's default (transformers' Llama/Qwen2/Qwen3/MistralConfig, 4.45 … 5.x)", () => {
  // only the required keys: everything else is the class default (head_dim 512/32 = 16 where the class derives it)
  const bare = { hidden_size: 512, num_hidden_layers: 1, num_attention_heads: 32, intermediate_size: 8, vocab_size: 10 }
  it.each([
    // before this table every class took llama's row: kv heads = heads, head_dim = hidden/heads, 2048 positions, no window
    ['llama', { num_key_value_heads: 32, head_dim: 16, max_position_embeddings: 2048, sliding_window: undefined, attention_bias: false }],
    ['qwen2', { num_key_value_heads: 32, head_dim: 16, max_position_embeddings: 32768, sliding_window: undefined, attention_bias: true }],
    ['qwen3', { num_key_value_heads: 32, head_dim: 128, max_position_embeddings: 32768, sliding_window: undefined, attention_bias: false }],
    ['mistral', { num_key_value_heads: 8, head_dim: 16, max_position_embeddings: 131072, sliding_window: 4096, attention_bias: false }],
  ] as const)('%s', (model_type, want) => {
    const c = resolveConfig({ ...bare, model_type })
    expect(c).toMatchObject({ ...want, rope_theta: 10000, rms_norm_eps: 1e-6, tie_word_embeddings: false })
    expect(c.rope_scaling).toBeUndefined()
  })

  it('a file from a transformers major whose defaults were not checked (6.x) is refused only where it leaves a key to them', () => {
    const full = { ...bare, model_type: 'qwen3', num_key_value_heads: 8, head_dim: 64, max_position_embeddings: 4096, rms_norm_eps: 1e-6, tie_word_embeddings: true, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }
    expect(resolveConfig({ ...full, transformers_version: '6.0.0' }).head_dim).toBe(64)
    const { head_dim: _h, ...noHeadDim } = full
    expect(() => resolveConfig({ ...noHeadDim, transformers_version: '6.0.0' })).toThrow(/transformers_version="6\.0\.0" with head_dim absent/)
    expect(resolveConfig({ ...noHeadDim, transformers_version: '5.8.0' }).head_dim).toBe(128) // 4.x and 5.x: Qwen3Config's 128
    expect(resolveConfig({ ...noHeadDim, transformers_version: '4.51.0' }).head_dim).toBe(128)
  })

  it("a default kv-head count that does not fit the query heads is refused naming the class default", () => {
    expect(() => resolveConfig({ ...bare, model_type: 'qwen3', num_attention_heads: 16 })).toThrow(/num_key_value_heads absent: qwen3's default 32 does not divide 16/)
  })

  it('null means what the class makes of None: kv heads = heads, mistral without a window; null with no rule is refused', () => {
    for (const model_type of ['llama', 'qwen2', 'qwen3', 'mistral'])
      expect(resolveConfig({ ...bare, model_type, num_attention_heads: 4, num_key_value_heads: null }).num_key_value_heads, model_type).toBe(4)
    expect(resolveConfig({ ...bare, model_type: 'mistral', sliding_window: null }).sliding_window).toBeUndefined()
    expect(resolveConfig({ ...bare, model_type: 'llama', head_dim: null }).head_dim).toBe(16)
    expect(resolveConfig({ ...bare, model_type: 'mistral', head_dim: null }).head_dim).toBe(16)
    expect(refused({ model_type: 'qwen3', head_dim: null })).toContain('head_dim=null')
    for (const k of ['rms_norm_eps', 'max_position_embeddings', 'tie_word_embeddings', 'rope_theta']) expect(refused({ [k]: null })).toContain(`${k}=null`)
  })

  it('a mistral without a window writes sliding_window null, so it does not read back as the default 4096', () => {
    const c = resolveConfig({ ...bare, model_type: 'mistral', sliding_window: null })
    const back = resolveConfig(JSON.parse(JSON.stringify(hfConfigJson(c))) as Record<string, unknown>)
    expect(back).toEqual(c)
  })
})

describe('refusals name the option', () => {
  it.each([
    [{ rope_parameters: { rope_type: 'yarn', rope_theta: 1e6, factor: 4, original_max_position_embeddings: 32768 } }, 'rope_parameters.rope_type="yarn"'],
    [{ rope_scaling: { rope_type: 'dynamic', factor: 2 } }, 'rope_scaling.rope_type="dynamic"'],
    [{ rope_scaling: { type: 'longrope', long_factor: [1], short_factor: [1] } }, 'rope_scaling.rope_type="longrope"'],
    [{ rope_parameters: { full_attention: { rope_type: 'default', rope_theta: 1e4 } } }, 'rope_parameters.full_attention'],
    [{ rope_scaling: { rope_type: 'linear' } }, 'rope_scaling.factor=undefined'],
    [{ rope_scaling: { rope_type: 'linear', factor: 2, attention_factor: 1.2 } }, 'rope_scaling.attention_factor'],
    [{ rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4 } }, 'rope_scaling.original_max_position_embeddings'],
    [{ rope_theta: 1e4, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }, 'rope_theta=10000 disagreeing'],
    [{ model_type: 'gemma3' }, 'model_type=gemma3'],
    [{ model_type: 'qwen3_moe' }, 'model_type=qwen3_moe'],
    [{ hidden_act: 'gelu' }, 'hidden_act="gelu"'],
    [{ mlp_bias: true }, 'mlp_bias=true'],
    [{ attention_dropout: 0.1 }, 'attention_dropout=0.1'],
    [{ partial_rotary_factor: 0.5 }, 'partial_rotary_factor=0.5'],
    [{ rope_interleaved: true }, 'rope_interleaved=true'],
    [{ model_type: 'qwen2', use_sliding_window: true, sliding_window: 4096 }, 'use_sliding_window=true'],
    [{ model_type: 'qwen3', layer_types: ['full_attention', 'sliding_attention'] }, 'layer_types='],
    [{ model_type: 'mistral', attention_bias: true }, 'attention_bias=true'],
    [{ quantization_config: { quant_method: 'bitsandbytes' } }, 'quantization_config'],
    [{ final_logit_softcapping: 30 }, 'final_logit_softcapping'],
  ])('%j', (raw, name) => {
    const msg = refused(raw)
    expect(msg).toMatch(/^config\.json: unsupported options: /)
    expect(msg).toContain(name)
  })

  it('lists every refused option at once', () => {
    const msg = refused({ hidden_act: 'gelu', mlp_bias: true, rope_scaling: { rope_type: 'yarn', factor: 4 } })
    for (const k of ['hidden_act', 'mlp_bias', 'yarn']) expect(msg).toContain(k)
  })

  it('mistral: a sliding window no sequence reaches is exact; a graph it would bite is refused', () => {
    const c = resolveConfig({ ...tiny, model_type: 'mistral', sliding_window: 8 })
    const forward = (T: number) => {
      const g = new Graph({ float: 'float32' })
      return buildForward(c, paramInputs(g, c), g.input('input_ids', 'int64', [1, T]))
    }
    expect(() => forward(8)).not.toThrow()
    expect(() => forward(9)).toThrow(/9 key positions exceed sliding_window 8/)
  })
})
