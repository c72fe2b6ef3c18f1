/**
 * Inference graphs: prefill and decode step with a static-capacity KV cache, Hugging Face-style I/O names,
 * **weights as graph inputs** (named as their safetensors tensors, paramSpecs order, after the other inputs), except
 * that each layer's q/k/v and gate/up come fused (learner/model/fused.ts: `…self_attn.qkv_proj.weight` = rows
 * [q; k; v], `…mlp.gate_up_proj.weight` = [gate; up]; inferenceWeights builds them from the safetensors tensors).
 * A graph depends only on the config and the bucket, so one pair of sessions serves every published version:
 * a handover swaps the weight tensors fed to them, it compiles nothing. The decoder is learner/model's
 * buildForward, the same code the learner trains.
 *
 * Shapes are static per bucket (the graph builder has no symbolic dims): batch B, prompt length T (prompts
 * left-padded to it) and cache capacity C (≥ T + max new tokens − 1). Cache slot s holds the token fed at
 * step s: slots 0 … T−1 the (padded) prompt, slot T+i the i-th generated token once it is fed back.
 *
 *   both     <param name>    float <its shape>  every weight of inferenceSpecs (model.safetensors' tensors, fused)
 *            temperature     float []           the sampling temperature (1 for greedy)
 *   prefill  input_ids       int64 [B,T]        left-padded prompts
 *            attention_mask  int64 [B,T]        1 = real token, 0 = padding
 *            position_ids    int64 [B,T]        0 … len−1 on real tokens (any valid index on padding)
 *         →  probs           float [B,1,V]      softmax(logits / temperature) at the last position only
 *            logits          float [B,1,V]      the raw logits there (temperature 1; fetch only if needed)
 *            present.N.key / present.N.value    float [B,KV,C,Dh]   the cache, slots ≥ T zero
 *   decode   input_ids       int64 [B,1]        the token sampled last
 *            attention_mask  int64 [B,C+1]      HF layout "past then current": mask of the C cache slots,
 *                                               then 1 for the current token
 *            position_ids    int64 [B,1]
 *            past_key_values.N.key / .value     float [B,KV,C,Dh]   the cache (read only)
 *         →  probs, logits   float [B,1,V]
 *            present.N.key / present.N.value    float [B,KV,1,Dh]   the current token's key/value only: the
 *                                               caller writes them into its cache at the token's slot, so a
 *                                               step copies B·KV·Dh floats per layer, never the cache
 * `probs` is the full-vocabulary distribution of the log-prob convention (learner/sample: log-prob = log probs[token],
 * before top-k / top-p), so the sampler does no pass of exp over the vocabulary; it applies top-k / top-p to it.
 *
 * Dimension legend: B batch, T prompt bucket, C cache capacity, V vocab, KV kv heads, Dh head_dim, L layers.
 */
import type { ModelConfig } from '../config.js'
import { Graph, ops, type Value } from '../graph/index.js'
import { buildForward, inferenceSpecs, lmHead, type KV, type Params } from '../model/index.js'

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
  temperature: 'temperature',
  probs: 'probs',
  logits: 'logits',
  pastKey: (l: number) => `past_key_values.${l}.key`,
  pastValue: (l: number) => `past_key_values.${l}.value`,
  presentKey: (l: number) => `present.${l}.key`,
  presentValue: (l: number) => `present.${l}.value`,
} as const

/** Most new tokens a bucket can generate. */
/** The weights as graph inputs: inferenceSpecs (paramSpecs with q/k/v and gate/up fused, learner/model/fused.ts). */
function weightInputs(g: Graph, cfg: ModelConfig): Params {
  return new Map(inferenceSpecs(cfg).map((s) => [s.name, g.input(s.name, 'float', s.shape)]))
}

/** The sampling outputs at the last position: raw logits [B,1,V] and probs = softmax(logits / temperature) [B,1,V]. */
function sampling(g: Graph, cfg: ModelConfig, params: Params, hidden: Value, temperature: Value, B: number): void {
  const logits = ops.reshape(lmHead(cfg, params, hidden, true), [B, 1, cfg.vocab_size]) //     [B,1,V]
  g.output(logits, IO.logits)
  g.output(ops.softmax(ops.div(logits, temperature), -1), IO.probs)
}

export const maxNewTokensOf = (b: InferenceBucket) => b.cacheLength - b.promptLength + 1

export function checkBucket(cfg: ModelConfig, b: InferenceBucket): void {
  const ok = (x: number) => Number.isInteger(x) && x >= 1
  if (!ok(b.batch) || !ok(b.promptLength) || !ok(b.cacheLength)) throw new RangeError(`inference bucket: batch, promptLength, cacheLength must be positive integers, got ${JSON.stringify(b)}`)
  if (b.cacheLength < b.promptLength) throw new RangeError(`inference bucket: cacheLength ${b.cacheLength} < promptLength ${b.promptLength}`)
  if (b.cacheLength + 1 > cfg.max_position_embeddings)
    throw new RangeError(`inference bucket: cacheLength ${b.cacheLength} + 1 exceeds max_position_embeddings ${cfg.max_position_embeddings}`)
}

/** Prefill: the prompt's logits at its last position and the caches padded to capacity C. */
export function buildPrefillGraph(cfg: ModelConfig, b: InferenceBucket): Graph {
  checkBucket(cfg, b)
  const { batch: B, promptLength: T, cacheLength: C } = b
  const g = new Graph({ name: 'prefill' })
  const ids = g.input(IO.inputIds, 'int64', [B, T])
  const attentionMask = g.input(IO.attentionMask, 'int64', [B, T])
  const positions = g.input(IO.positionIds, 'int64', [B, T])
  const temperature = g.input(IO.temperature, 'float', [])
  const params = weightInputs(g, cfg)
  const { hidden, present } = buildForward(cfg, params, ids, { positions, attentionMask, columns: true }) // hidden [D,B·T]
  const last = ops.reshape(ops.slice(ops.reshape(hidden, [cfg.hidden_size, B, T]), [T - 1], [T], [2]), [cfg.hidden_size, B]) // [D,B]
  sampling(g, cfg, params, last, temperature, B)
  const toCapacity = (x: Value) => (C === T ? x : ops.pad(x, [0, 0, 0, 0, 0, 0, C - T, 0])) //     [B,KV,C,Dh]
  present.forEach((kv, l) => {
    g.output(toCapacity(kv.key), IO.presentKey(l))
    g.output(toCapacity(kv.value), IO.presentValue(l))
  })
  return g
}

/**
 * Decode step: attends the C cache slots (masked by attention_mask) plus the current token; returns the current
 * token's key/value per layer for the caller to store at its slot.
 */
export function buildDecodeGraph(cfg: ModelConfig, b: InferenceBucket): Graph {
  checkBucket(cfg, b)
  const { batch: B, cacheLength: C } = b
  const KVh = cfg.num_key_value_heads
  const Dh = cfg.head_dim
  const g = new Graph({ name: 'decode' })
  const ids = g.input(IO.inputIds, 'int64', [B, 1])
  const attentionMask = g.input(IO.attentionMask, 'int64', [B, C + 1])
  const positions = g.input(IO.positionIds, 'int64', [B, 1])
  const past: KV[] = Array.from({ length: cfg.num_hidden_layers }, (_, l) => ({
    key: g.input(IO.pastKey(l), 'float', [B, KVh, C, Dh]),
    value: g.input(IO.pastValue(l), 'float', [B, KVh, C, Dh]),
  }))
  const temperature = g.input(IO.temperature, 'float', [])
  const params = weightInputs(g, cfg)
  const { hidden, present } = buildForward(cfg, params, ids, { positions, past, attentionMask, columns: true }) // hidden [D,B]; present [B,KV,1,Dh]
  sampling(g, cfg, params, hidden, temperature, B)
  present.forEach((kv, l) => {
    g.output(kv.key, IO.presentKey(l))
    g.output(kv.value, IO.presentValue(l))
  })
  return g
}
