/**
 * learner/model — the Llama / Qwen2 decoder as graph-builder code (semantics: learner/config.ts).
 *
 * API
 *   const params = paramInputs(g, cfg)                         // Map HF name → graph input, paramSpecs order
 *   const { hidden, present } = buildForward(cfg, params, ids, // ids int64 [B,T]
 *       { positions?, past?, attentionMask? })                 // inference: int64 [B,T], KV[] [B,KV,P,Dh], [B,P+T]
 *   const logits = lmHead(cfg, params, hidden)                 // [B,T,V]
 *   const { logprobs, entropy } = tokenLogprobs(cfg, params, hidden, ids, { temperature, from })   // [B,T]
 *   buildLogprobGraph(cfg, B, T, { float, from }) / buildLogitsGraph(cfg, B, T)   // standalone graphs
 * One forward serves training (static positions, constant causal mask) and prefill / decode-step inference
 * (positions, past caches and attention_mask fed at run time; `present` = the new positions' keys/values).
 * Log-prob convention: learner/sample/sample.ts (log_softmax(logits[t−1] / temperature)[ids[t]], 0 at t = 0).
 */
export { paramInputs, param, gradName, loraGraph, type Params } from './params.js'
export { buildForward, lmHead, headWeight, type ForwardOptions, type ForwardResult } from './forward.js'
export { rmsNorm, linear, project, rotary, attention, mlp, type KV, type Rotary, type LayerParams, type LoraGraph } from './layers.js'
export { tokenLogprobs, type TokenScoreOptions, type TokenScores } from './logprobs.js'
export { buildLogprobGraph, buildLogitsGraph, modelInputs, type FloatType, type LogprobGraphOptions, type ModelGraphInputs } from './graphs.js'
export { FUSED, inferenceSpecs, inferenceWeights } from './fused.js'
