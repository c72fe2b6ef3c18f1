/**
 * The browser side of bench:browser (bundled by learner/browser/build.ts like /contribute): the learner's
 * OnnxGenerator on onnxruntime-web (WASM), fed the model folder's inference files, exposed as window.benchGenerate.
 */
import * as ort from 'onnxruntime-node' // onnxruntime-web in the bundle
import { inferenceModelFromFiles, OnnxGenerator, type GenerateOptions } from '../../learner/generate/index.js'

declare global {
  interface Window {
    benchGenerate(o: { files: string[]; prompts: string[]; gen: GenerateOptions; threads: number; runs: number }): Promise<{ seconds: number[]; tokens: number; firstTokens: number[] }>
  }
}

window.benchGenerate = async ({ files, prompts, gen, threads, runs }) => {
  ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href
  ort.env.wasm.numThreads = threads
  const bytes = new Map<string, Uint8Array>()
  for (const f of files) bytes.set(f, new Uint8Array(await (await fetch(`/model/${f}`)).arrayBuffer()))
  const g = new OnnxGenerator(inferenceModelFromFiles(bytes), { ep: 'cpu' })
  await g.warm()
  await g.generate(prompts, gen) // warm-up run
  const seconds: number[] = []
  let tokens = 0
  let firstTokens: number[] = []
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    const out = await g.generate(prompts, gen)
    seconds.push((performance.now() - t0) / 1000)
    tokens = out.reduce((n, p) => n + p.completions.reduce((m, c) => m + c.tokenIds.length, 0), 0)
    firstTokens = out[0].completions[0].tokenIds
  }
  await g.close()
  return { seconds, tokens, firstTokens }
}
