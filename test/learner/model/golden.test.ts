/**
 * Model forward vs the independent PyTorch reference (test/fixtures/golden): raw logits, per-token log-probs
 * and entropy for both golden models, with graphs built in float64 (tight) and float32 (the training path).
 * Also: scoring only from a later position gives the same values there, and the inference path (prefill +
 * decode steps with a KV cache, fed positions and attention_mask) reproduces the full-sequence logits.
 */
import type * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { encodeModel, ops } from '../../../learner/graph/index.js'
import { buildForward, buildLogitsGraph, buildLogprobGraph, lmHead, modelInputs, type KV } from '../../../learner/model/index.js'
import { idsTensor, paramFeeds, scalarTensor } from '../../../learner/trainer/feeds.js'
import { tensor } from '../../../learner/runtime/index.js'
import { diffStats, GOLDEN_MODELS, loadGolden } from '../../fixtures/golden/index.js'
import { runOnce } from './helpers.js'

const run = runOnce

describe.each(GOLDEN_MODELS)('golden forward: %s', (name) => {
  for (const float of ['float64', 'float32'] as const) {
    const tol = float === 'float64' ? 1e-9 : 2e-5
    it(`logits, logprobs, entropy (${float})`, async () => {
      const { config, params, batch, expected } = await loadGolden(name)
      const B = batch.input_ids.length
      const T = batch.input_ids[0].length
      const feeds = { ...paramFeeds(config, params, float), input_ids: idsTensor(batch.input_ids) }
      const logits = (await run(encodeModel(buildLogitsGraph(config, B, T, float)), feeds)).logits.data as Float64Array
      const lp = await run(encodeModel(buildLogprobGraph(config, B, T, { float })), { ...feeds, temperature: scalarTensor(batch.temperature, float) })
      for (const [k, actual] of [['logits', logits], ['logprobs', lp.logprobs.data], ['entropy', lp.entropy.data]] as const) {
        const d = diffStats(actual as ArrayLike<number>, expected[k].data as Float64Array)
        console.log(`${name} ${float} ${k}: max abs ${d.maxAbs.toExponential(2)} max rel ${d.maxRel.toExponential(2)}`)
        expect(d.maxAbs).toBeLessThan(tol * (k === 'logits' ? 10 : 1))
      }
    })
  }

  it('scoring from a later position equals the full scores there, 0 before', async () => {
    const { config, params, batch } = await loadGolden(name)
    const B = batch.input_ids.length
    const T = batch.input_ids[0].length
    const feeds = { ...paramFeeds(config, params, 'float64'), input_ids: idsTensor(batch.input_ids), temperature: scalarTensor(0.7, 'float64') }
    const full = await run(encodeModel(buildLogprobGraph(config, B, T, { float: 'float64' })), feeds)
    const part = await run(encodeModel(buildLogprobGraph(config, B, T, { float: 'float64', from: 4 })), feeds)
    for (const k of ['logprobs', 'entropy']) {
      const f = full[k].data as Float64Array
      const p = part[k].data as Float64Array
      for (let i = 0; i < f.length; i++) expect(p[i]).toBeCloseTo(i % T >= 4 ? f[i] : 0, 12)
    }
  })

  // rows: the training layout; columns: the inference graphs' ([D, B·T] activations, one-token decode attention)
  it.each(['rows', 'columns'] as const)('prefill + decode steps with a KV cache reproduce the full-sequence logits (%s layout)', async (layout) => {
    const { config, params, batch, expected } = await loadGolden(name)
    const B = batch.input_ids.length
    const T = batch.input_ids[0].length
    const V = config.vocab_size
    const L = config.num_hidden_layers
    const KVh = config.num_key_value_heads
    const Dh = config.head_dim
    const prefill = 6
    // one step graph per (T, P): ids [B,T], positions [B,T], attention_mask [B,P+T], past [B,KV,P,Dh] per layer
    const stepGraph = (Tn: number, P: number) => {
      const { g, params: pv, ids } = modelInputs(config, B, Tn, 'float64')
      const positions = g.input('position_ids', 'int64', [B, Tn])
      const mask = g.input('attention_mask', 'int64', [B, P + Tn])
      const past: KV[] | undefined = P === 0 ? undefined : Array.from({ length: L }, (_, l) => ({
        key: g.input(`past_key_values.${l}.key`, 'float', [B, KVh, P, Dh]),
        value: g.input(`past_key_values.${l}.value`, 'float', [B, KVh, P, Dh]),
      }))
      const columns = layout === 'columns'
      const f = buildForward(config, pv, ids, { positions, past, attentionMask: mask, columns })
      const D = config.hidden_size
      if (columns) g.output(ops.reshape(lmHead(config, pv, ops.reshape(ops.slice(ops.reshape(f.hidden, [D, B, Tn]), [Tn - 1], [Tn], [2]), [D, B]), true), [B, 1, V]), 'logits')
      else g.output(lmHead(config, pv, ops.slice(f.hidden, [Tn - 1], [Tn], [1])), 'logits') // last position [B,1,V]
      f.present.forEach((kv, l) => { g.output(kv.key, `present.${l}.key`); g.output(kv.value, `present.${l}.value`) })
      return encodeModel(g)
    }
    const pf = paramFeeds(config, params, 'float64')
    const ids = (t0: number, t1: number) => idsTensor(batch.input_ids.map((r) => r.slice(t0, t1)))
    const pos = (t0: number, t1: number) => tensor('int64', BigInt64Array.from({ length: B * (t1 - t0) }, (_, i) => BigInt(t0 + (i % (t1 - t0)))), [B, t1 - t0])
    const ones = (n: number) => tensor('int64', new BigInt64Array(B * n).fill(1n), [B, n])
    let out = await run(stepGraph(prefill, 0), { ...pf, input_ids: ids(0, prefill), position_ids: pos(0, prefill), attention_mask: ones(prefill) })
    const exp = expected.logits.data as Float64Array
    const check = (t: number, got: Float64Array) => {
      for (let b = 0; b < B; b++) {
        const d = diffStats(got.subarray(b * V, (b + 1) * V), exp.subarray((b * T + t) * V, (b * T + t + 1) * V))
        expect(d.maxAbs).toBeLessThan(1e-9)
      }
    }
    check(prefill - 1, out.logits.data as Float64Array)
    // present = this call's keys/values [B,KV,Tn,Dh]: the test keeps the cache, appending them along the slot axis
    const append = (cache: ort.Tensor | undefined, cur: ort.Tensor) => {
      if (!cache) return cur
      const [P, n] = [cache.dims[2], cur.dims[2]]
      const out = new Float64Array(B * KVh * (P + n) * Dh)
      for (let r = 0; r < B * KVh; r++) {
        out.set((cache.data as Float64Array).subarray(r * P * Dh, (r + 1) * P * Dh), r * (P + n) * Dh)
        out.set((cur.data as Float64Array).subarray(r * n * Dh, (r + 1) * n * Dh), (r * (P + n) + P) * Dh)
      }
      return tensor('float64', out, [B, KVh, P + n, Dh])
    }
    const past: Record<string, ort.Tensor> = {}
    for (let t = prefill; t < T; t++) {
      for (let l = 0; l < L; l++) {
        for (const kind of ['key', 'value']) {
          expect(out[`present.${l}.${kind}`].dims).toEqual([B, KVh, t === prefill ? prefill : 1, Dh])
          past[`past_key_values.${l}.${kind}`] = append(past[`past_key_values.${l}.${kind}`], out[`present.${l}.${kind}`])
        }
      }
      out = await run(stepGraph(1, t), { ...pf, ...past, input_ids: ids(t, t + 1), position_ids: pos(t, t + 1), attention_mask: ones(t + 1) })
      check(t, out.logits.data as Float64Array)
    }
  })
})
