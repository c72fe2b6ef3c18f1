/**
 * Inference graphs: prefill and decode step with a static-capacity KV cache, Hugging Face-style I/O names,
 * weights as initializers (one self-contained ModelProto per graph, no external data). The decoder is
 * learner/model's buildForward, the same code the learner trains.
 *
 * Shapes are static per bucket (the graph builder has no symbolic dims): batch B, prompt length T (prompts
 * left-padded to it) and cache capacity C (≥ T + max new tokens − 1). Cache slot s holds the token fed at
 * step s: slots 0 … T−1 the (padded) prompt, slot T+i the i-th generated token once it is fed back.
 *
 *   prefill  input_ids       int64 [B,T]        left-padded prompts
 *            attention_mask  int64 [B,T]        1 = real token, 0 = padding
 *            position_ids    int64 [B,T]        0 … len−1 on real tokens (any valid index on padding)
 *         →  logits          float [B,1,V]      raw logits at the last position only (what sampling needs)
 *            present.N.key / present.N.value    float [B,KV,C,Dh]   slots ≥ T zero
 *   decode   input_ids       int64 [B,1]        the token sampled last
 *            attention_mask  int64 [B,C+1]      HF layout "past then current": mask of the C cache slots,
 *                                               then 1 for the current token
 *            position_ids    int64 [B,1]
 *            cache_position  int64 [1]          the slot the current token's key/value is written to (as
 *                                               transformers' StaticCache); every row writes the same slot
 *            past_key_values.N.key / .value     float [B,KV,C,Dh]
 *         →  logits          float [B,1,V]
 *            present.N.key / present.N.value    float [B,KV,C,Dh]   = past with slot cache_position replaced
 *                                               (ScatterND without reduction; inference only, no gradient rule)
 * Logits are raw (temperature 1); the sampler applies temperature / top-k / top-p (learner/sample).
 *
 * Dimension legend: B batch, T prompt bucket, C cache capacity, V vocab, KV kv heads, Dh head_dim, L layers.
 */
import { paramSpecs, type ModelConfig } from '../config.js'
import { Graph, ops, type Value } from '../graph/index.js'
import { buildForward, lmHead, type KV, type Params } from '../model/index.js'

export interface InferenceBucket {
  /** B: rows per run (prompts × completions are packed into rows; spare rows are padding) */
  batch: number
  /** T: prompt bucket (prompts longer than this are refused) */
  promptLength: number
  /** C: cache slots; generation is capped at C − T + 1 new tokens */
  cacheLength: number
}

export const IO = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  cachePosition: 'cache_position',
  logits: 'logits',
  pastKey: (l: number) => `past_key_values.${l}.key`,
  pastValue: (l: number) => `past_key_values.${l}.value`,
  presentKey: (l: number) => `present.${l}.key`,
  presentValue: (l: number) => `present.${l}.value`,
} as const

/** Most new tokens a bucket can generate. */
export const maxNewTokensOf = (b: InferenceBucket) => b.cacheLength - b.promptLength + 1

export function checkBucket(cfg: ModelConfig, b: InferenceBucket): void {
  const ok = (x: number) => Number.isInteger(x) && x >= 1
  if (!ok(b.batch) || !ok(b.promptLength) || !ok(b.cacheLength)) throw new RangeError(`inference bucket: batch, promptLength, cacheLength must be positive integers, got ${JSON.stringify(b)}`)
  if (b.cacheLength < b.promptLength) throw new RangeError(`inference bucket: cacheLength ${b.cacheLength} < promptLength ${b.promptLength}`)
  if (b.cacheLength + 1 > cfg.max_position_embeddings)
    throw new RangeError(`inference bucket: cacheLength ${b.cacheLength} + 1 exceeds max_position_embeddings ${cfg.max_position_embeddings}`)
}

/** A ModelProto is one protobuf message: 2 GiB at most, so self-contained float32 graphs stop near 500M parameters. */
export const MAX_GRAPH_BYTES = 2 ** 31 - 2 ** 24

/** Parameters as named initializers (HF names), in paramSpecs order. */
function paramConstants(g: Graph, cfg: ModelConfig, weights: ReadonlyMap<string, Float32Array>): Params {
  const bytes = paramSpecs(cfg).reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0)
  if (bytes > MAX_GRAPH_BYTES)
    throw new RangeError(`inference graph: ${(bytes / 2 ** 30).toFixed(2)} GiB of float32 weights exceed the 2 GiB limit of a self-contained ONNX file`)
  return new Map(
    paramSpecs(cfg).map((s) => {
      const w = weights.get(s.name)
      if (!w) throw new Error(`inference graph: missing parameter ${s.name}`)
      return [s.name, g.constant(w, s.shape, 'float', s.name)]
    }),
  )
}

/** Prefill: the prompt's logits at its last position and the caches padded to capacity C. */
export function buildPrefillGraph(cfg: ModelConfig, weights: ReadonlyMap<string, Float32Array>, b: InferenceBucket): Graph {
  checkBucket(cfg, b)
  const { batch: B, promptLength: T, cacheLength: C } = b
  const g = new Graph({ name: 'prefill' })
  const params = paramConstants(g, cfg, weights)
  const ids = g.input(IO.inputIds, 'int64', [B, T])
  const attentionMask = g.input(IO.attentionMask, 'int64', [B, T])
  const positions = g.input(IO.positionIds, 'int64', [B, T])
  const { hidden, present } = buildForward(cfg, params, ids, { positions, attentionMask }) // hidden [B,T,D]
  g.output(lmHead(cfg, params, ops.slice(hidden, [T - 1], [T], [1])), IO.logits) //          [B,1,V]
  const toCapacity = (x: Value) => (C === T ? x : ops.pad(x, [0, 0, 0, 0, 0, 0, C - T, 0])) //     [B,KV,C,Dh]
  present.forEach((kv, l) => {
    g.output(toCapacity(kv.key), IO.presentKey(l))
    g.output(toCapacity(kv.value), IO.presentValue(l))
  })
  return g
}

/**
 * Decode step: attends the C cache slots (masked by attention_mask) plus the current token, then writes the
 * current token's key/value into slot cache_position.
 */
export function buildDecodeGraph(cfg: ModelConfig, weights: ReadonlyMap<string, Float32Array>, b: InferenceBucket): Graph {
  checkBucket(cfg, b)
  const { batch: B, cacheLength: C } = b
  const KVh = cfg.num_key_value_heads
  const Dh = cfg.head_dim
  const g = new Graph({ name: 'decode' })
  const params = paramConstants(g, cfg, weights)
  const ids = g.input(IO.inputIds, 'int64', [B, 1])
  const attentionMask = g.input(IO.attentionMask, 'int64', [B, C + 1])
  const positions = g.input(IO.positionIds, 'int64', [B, 1])
  const slot = g.input(IO.cachePosition, 'int64', [1])
  const past: KV[] = Array.from({ length: cfg.num_hidden_layers }, (_, l) => ({
    key: g.input(IO.pastKey(l), 'float', [B, KVh, C, Dh]),
    value: g.input(IO.pastValue(l), 'float', [B, KVh, C, Dh]),
  }))
  const { hidden, present } = buildForward(cfg, params, ids, { positions, past, attentionMask }) // present [B,KV,C+1,Dh]
  g.output(lmHead(cfg, params, hidden), IO.logits) //                                               [B,1,V]
  // ScatterND (no reduction) writes the current token's [B,KV,Dh] into slot cache_position: indices (b, h, slot)
  const pairs = new Float64Array(B * KVh * 2) //                                                    [B,KV,2] = (b, h)
  for (let r = 0; r < B; r++) for (let h = 0; h < KVh; h++) pairs.set([r, h], (r * KVh + h) * 2)
  const bh = g.constant(pairs, [B, KVh, 2], 'int64', 'cache_rows')
  const at = ops.concat([bh, ops.expand(ops.reshape(slot, [1, 1, 1]), [B, KVh, 1])], 2) //          [B,KV,3]
  const update = (full: Value, old: Value) => {
    const cur = ops.reshape(ops.slice(full, [C], [C + 1], [2]), [B, KVh, Dh]) //                      [B,KV,Dh]
    return g.addNode('ScatterND', [old, at, cur], [{ dtype: old.dtype, shape: old.shape }])[0] //     [B,KV,C,Dh]
  }
  present.forEach((kv, l) => {
    g.output(update(kv.key, past[l].key), IO.presentKey(l))
    g.output(update(kv.value, past[l].value), IO.presentValue(l))
  })
  return g
}
