/**
 * learner/generate — inference graphs (prefill / decode with a KV cache, Hugging Face I/O names) and the
 * rollout Generator seam with its two implementations.
 *   await exportInferenceModel(dir, ckpt, { batch: 8, promptLength: 64, cacheLength: 191 })   // publish (graphs.ts)
 *   const g: Generator = new OnnxGenerator(await loadInferenceModel(dir))       // published model folder
 *   const g: Generator = new OnnxGenerator(inferenceModel(ckpt, bucket))        // in memory, graphs built lazily
 *   new OnnxGenerator(model, { shared: runtime })   // versions after the first reuse the sessions: only weights change
 *   const g: Generator = new OpenAICompatibleGenerator({ baseUrl, model, logprobsMode })   // vLLM & co
 *   const [group] = await g.generate(['2+2='], { n: 8, maxNewTokens: 16, temperature: 1, seed: 1 })
 *   group.completions[i] = { text, tokenIds, logprobs, finishReason }   (log-prob convention: generator.ts)
 */
export * from './generator.js'
export { OpenAICompatibleGenerator, checkConvention, type OpenAICompatibleOptions, type ServerLogprobsMode } from './openai.js'
export { buildPrefillGraph, buildDecodeGraph, checkBucket, maxNewTokensOf, IO, type InferenceBucket } from './graphs.js'
export { inferenceModel, inferenceModelFromFiles, INFERENCE_FILES, exportInferenceModel, loadInferenceModel, PREFILL_FILE, DECODE_FILE, GENERATION_FILE, type InferenceModel } from './model.js'
export { OnnxGenerator, type OnnxGeneratorOptions } from './onnx.js'
