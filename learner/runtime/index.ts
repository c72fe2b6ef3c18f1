/**
 * learner/runtime — run encoded graphs with onnxruntime-node.
 *   const rt = new Runtime({ ep: 'cpu', threads: 2 })          // ep default: env COHORT_EP, else cpu
 *   const s = await rt.session('grpo/B8xT256', () => encodeModel(buildStep(8, 256)), { keepOnDevice: ['p.new'] })
 *   const out = await s.run({ x: tensor('float32', data, [8, 256]) })          // all outputs, allocated
 *   await s.run(feeds, { loss: null, 'p.new': preallocated })                 // fills `preallocated` in place
 * A provider that cannot start (no CUDA libraries, no WebGPU adapter) throws ExecutionProviderUnavailable.
 */
export { Runtime, Session, type RuntimeOptions, type SessionOptions, type Feeds, type Fetches } from './session.js'
export { resolveEp, listedProviders, ExecutionProviderUnavailable, EXECUTION_PROVIDERS, type ExecutionProvider } from './ep.js'
export { tensor, zerosFor } from './tensors.js'
