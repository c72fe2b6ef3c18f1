/**
 * LoRA vs the independent PyTorch reference (test/fixtures/golden/qwen3/lora: a PEFT-layout adapter on all seven
 * projections of the Qwen3 golden model, r 4, alpha 8): log-probs, entropy, every GRPO case's loss and EVERY
 * adapter gradient in float64 and float32; the graphs output no base gradient; merged weights (W + scale·B·A)
 * score like the adapter graph; PEFT files round-trip.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { encodeModel } from '../../../learner/graph/index.js'
import { readSafetensors } from '../../../learner/io/index.js'
import { buildGrpoGraph, lossNormalizer } from '../../../learner/grpo/index.js'
import { loadPeftAdapter, loraSpecs, mergeLora, savePeftAdapter } from '../../../learner/lora/index.js'
import { buildLogprobGraph } from '../../../learner/model/index.js'
import { tensor } from '../../../learner/runtime/index.js'
import { idsTensor, paramFeeds, rowsTensor, scalarTensor, specFeeds } from '../../../learner/trainer/feeds.js'
import { diffStats, GOLDEN_DIR, loadGolden } from '../../fixtures/golden/index.js'
import { runOnce } from '../model/helpers.js'

const TOL = { float64: { value: 1e-10, grad: 1e-9 }, float32: { value: 2e-5, grad: 5e-5 } }
const ADAPTER = join(GOLDEN_DIR, 'qwen3', 'lora')

async function fixture() {
  const gd = await loadGolden('qwen3')
  const { lora, adapters } = await loadPeftAdapter(ADAPTER, gd.config)
  const expected = readSafetensors(await readFile(join(ADAPTER, 'expected.safetensors')))
  return { ...gd, lora, adapters, expected }
}

describe('LoRA vs the PyTorch reference (qwen3, all projections)', () => {
  for (const float of ['float64', 'float32'] as const) {
    it(`log-probs, entropy, every GRPO case's loss and adapter gradients (${float})`, async () => {
      const f = await fixture()
      const { config, params, batch, lora, adapters, expected } = f
      const B = batch.input_ids.length
      const T = batch.input_ids[0].length
      const specs = loraSpecs(config, lora)
      const weights = { ...paramFeeds(config, params, float), ...specFeeds(specs, adapters, float) }
      const lp = await runOnce(encodeModel(buildLogprobGraph(config, B, T, { float, lora })), { ...weights, input_ids: idsTensor(batch.input_ids), temperature: scalarTensor(batch.temperature, float) })
      for (const k of ['logprobs', 'entropy'] as const) {
        const d = diffStats(lp[k].data as ArrayLike<number>, expected[k].data as Float64Array)
        console.log(`lora ${float} ${k}: max abs ${d.maxAbs.toExponential(2)}`)
        expect(d.maxAbs).toBeLessThan(TOL[float].value * 10)
      }
      const tokens = batch.completion_mask.flat().reduce((a, b) => a + b, 0)
      let worst = 0
      for (const c of batch.cases) {
        const g = buildGrpoGraph(config, B, T, { lossType: c.loss_type, beta: c.beta, epsilon: c.epsilon, epsilonHigh: c.epsilon_high, delta: c.delta ?? undefined, maxCompletionLength: c.max_completion_length, float, lora })
        expect(g.outputs.some((o) => o.name === 'grad.model.embed_tokens.weight')).toBe(false) // the base is frozen
        const feeds: Record<string, ort.Tensor> = {
          ...weights,
          input_ids: idsTensor(batch.input_ids),
          completion_mask: rowsTensor(batch.completion_mask, float),
          advantages: tensor(float, float === 'float64' ? Float64Array.from(batch.advantages) : Float32Array.from(batch.advantages), [B]),
          old_logprobs: rowsTensor(batch.old_logprobs, float),
          temperature: scalarTensor(batch.temperature, float),
          loss_normalizer: scalarTensor(lossNormalizer(c.loss_type, [{ rows: B, tokens }]), float),
        }
        if (c.beta > 0) feeds.ref_logprobs = rowsTensor(batch.ref_logprobs, float)
        const out = await runOnce(encodeModel(g), feeds)
        expect(Math.abs(Number(out.loss.data[0]) - Number(expected[`${c.name}.loss`].data[0]))).toBeLessThan(TOL[float].value)
        for (const s of specs) {
          const d = diffStats(out[`grad.${s.name}`].data as ArrayLike<number>, expected[`${c.name}.grad.${s.name}`].data as Float64Array, 1e-3)
          expect(d.maxAbs, `${c.name} grad ${s.name}`).toBeLessThan(TOL[float].grad)
          worst = Math.max(worst, d.maxAbs)
        }
      }
      console.log(`lora ${float}: ${batch.cases.length} cases × ${specs.length} adapter gradients, max abs ${worst.toExponential(2)}`)
    })
  }

  it('merged weights W + scale·B·A score like the adapter graph (float32)', async () => {
    const { config, params, batch, lora, adapters, expected } = await fixture()
    const B = batch.input_ids.length
    const T = batch.input_ids[0].length
    const merged = mergeLora(config, lora, params, adapters)
    expect(merged.get('model.embed_tokens.weight')).toBe(params.get('model.embed_tokens.weight')) // untouched tensors shared
    expect(merged.get('model.layers.0.self_attn.q_proj.weight')).not.toEqual(params.get('model.layers.0.self_attn.q_proj.weight'))
    const out = await runOnce(encodeModel(buildLogprobGraph(config, B, T)), { ...paramFeeds(config, merged), input_ids: idsTensor(batch.input_ids), temperature: scalarTensor(batch.temperature) })
    const d = diffStats(out.logprobs.data as Float32Array, expected.logprobs.data as Float64Array)
    console.log(`merged float32 logprobs vs reference: max abs ${d.maxAbs.toExponential(2)}`)
    expect(d.maxAbs).toBeLessThan(2e-5)
  })

  it('PEFT files round-trip; unsupported adapter options are refused by name', async () => {
    const { config, lora, adapters } = await fixture()
    const dir = await mkdtemp(join(tmpdir(), 'cohort-peft-'))
    try {
      await savePeftAdapter(dir, config, lora, adapters)
      const back = await loadPeftAdapter(dir, config)
      expect(back.lora).toEqual(lora)
      for (const [k, v] of adapters) expect(back.adapters.get(k)).toEqual(v)
      const cfg = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'))
      await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, use_dora: true, bias: 'all' }))
      await expect(loadPeftAdapter(dir, config)).rejects.toThrow(/unsupported options: bias="all", use_dora=true/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
