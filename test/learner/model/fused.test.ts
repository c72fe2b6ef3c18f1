/** The inference graphs' fused weights (learner/model/fused.ts): names, shapes, values, views vs copies. */
import { describe, expect, it } from 'vitest'
import { paramSpecs, resolveConfig } from '../../../learner/config.js'
import { initParams } from '../../../learner/io/index.js'
import { snapshot } from '../../../learner/loop/policy.js'
import { inferenceSpecs, inferenceWeights } from '../../../learner/model/index.js'

const base = { model_type: 'llama', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 24, vocab_size: 50, max_position_embeddings: 32 }

describe('fused q/k/v and gate/up', () => {
  it.each([['llama', base], ['qwen2 (q/k/v biases)', { ...base, model_type: 'qwen2' }]] as const)('%s: specs replace the parts in place; weights are the parts stacked by rows', (_, raw) => {
    const config = resolveConfig(raw)
    const params = initParams(config, 3)
    const specs = inferenceSpecs(config)
    const names = specs.map((s) => s.name)
    const Dh = config.head_dim
    expect(names).not.toContain('model.layers.1.self_attn.q_proj.weight')
    expect(names).not.toContain('model.layers.1.mlp.up_proj.weight')
    const qkv = specs.find((s) => s.name === 'model.layers.1.self_attn.qkv_proj.weight')!
    expect(qkv.shape).toEqual([(4 + 2 * 2) * Dh, 16])
    expect(specs.find((s) => s.name === 'model.layers.1.mlp.gate_up_proj.weight')!.shape).toEqual([48, 16])
    expect(names.includes('model.layers.1.self_attn.qkv_proj.bias')).toBe(config.attention_bias)
    // every other tensor keeps its place and name
    const fusedParts = /(q_proj|k_proj|v_proj|gate_proj|up_proj)\./
    expect(names.filter((n) => !n.includes('qkv_proj') && !n.includes('gate_up_proj'))).toEqual(paramSpecs(config).map((s) => s.name).filter((n) => !fusedParts.test(n)))
    const w = inferenceWeights(config, params)
    const p = (n: string) => params.get(`model.layers.1.${n}`)!
    expect([...w.get('model.layers.1.self_attn.qkv_proj.weight')!]).toEqual([...p('self_attn.q_proj.weight'), ...p('self_attn.k_proj.weight'), ...p('self_attn.v_proj.weight')])
    expect([...w.get('model.layers.1.mlp.gate_up_proj.weight')!]).toEqual([...p('mlp.gate_proj.weight'), ...p('mlp.up_proj.weight')])
    for (const s of specs) expect(w.get(s.name)!.length).toBe(s.shape.reduce((a, b) => a * b, 1))
  })

  it("views the loop's snapshot buffers (parts back to back) and copies separate arrays", () => {
    const config = resolveConfig(base)
    const params = initParams(config, 3)
    const own = inferenceWeights(config, params).get('model.layers.0.mlp.gate_up_proj.weight')!
    expect(own.buffer).not.toBe(params.get('model.layers.0.mlp.gate_proj.weight')!.buffer) // a copy
    const snap = snapshot(params)
    const view = inferenceWeights(config, snap).get('model.layers.0.mlp.gate_up_proj.weight')!
    const gate = snap.get('model.layers.0.mlp.gate_proj.weight')!
    expect(view.buffer).toBe(gate.buffer) // no copy: a later write into the snapshot set is seen through it
    expect(view.byteOffset).toBe(gate.byteOffset)
    gate[0] = 42
    expect(view[0]).toBe(42)
  })
})
