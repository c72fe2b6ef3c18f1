/**
 * A real OpenAI-compatible completions server for tests, backed by Cohort's own ONNX generator (so its token ids
 * and log-probs are real, and the learner can recompute them): POST /v1/completions with vLLM's token-id
 * extensions, and SGLang's POST /update_weights_from_disk, which loads the model folder it is given.
 */
import { createServer, type Server } from 'node:http'
import { loadInferenceModel, OnnxGenerator, type Generator } from '../../../learner/generate/index.js'
import { freePort } from '../../helpers/net.js'

export interface TestEngine {
  url: string
  /** folders loaded through /update_weights_from_disk, in order */
  loaded: string[]
  /** completions requests served */
  requests: number
  /** the prompt of each completions request, as sent (text or token ids) */
  prompts: (string | number[])[]
  /** set: the engine conditions on this id before the prompt it was sent (a server adding a BOS of its own) */
  prepend?: number
  /** when set, /update_weights_from_disk answers { success: false } (an engine that cannot switch) */
  refuseReload: boolean
  close(): Promise<void>
}

export async function startTestEngine(modelDir: string): Promise<TestEngine> {
  let generator: Generator = new OnnxGenerator(await loadInferenceModel(modelDir), { threads: 1 })
  const port = await freePort()
  const engine: TestEngine = { url: `http://127.0.0.1:${port}`, loaded: [], requests: 0, prompts: [], refuseReload: false, close: async () => {} }
  const server: Server = createServer(async (req, res) => {
    let raw = ''
    for await (const chunk of req) raw += chunk
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    try {
      const body = JSON.parse(raw || '{}')
      if (req.url === '/update_weights_from_disk') {
        if (engine.refuseReload) return send(200, { success: false, message: 'weights not loaded (test engine told to refuse)' })
        const next = new OnnxGenerator(await loadInferenceModel(body.model_path), { threads: 1 })
        const old = generator
        generator = next
        await old.close()
        engine.loaded.push(body.model_path)
        return send(200, { success: true, message: 'loaded' })
      }
      if (req.url !== '/v1/completions') return send(404, { error: 'not found' })
      engine.requests++
      engine.prompts.push(body.prompt)
      const prompt = engine.prepend === undefined ? body.prompt : [engine.prepend, ...body.prompt]
      const [gen] = await generator.generate([prompt], {
        n: body.n,
        maxNewTokens: body.max_tokens,
        temperature: body.temperature,
        topP: body.top_p,
        topK: body.top_k,
        seed: body.seed,
      })
      send(200, {
        object: 'text_completion',
        model: body.model,
        choices: gen.completions.map((c, index) => ({
          index,
          text: c.text,
          finish_reason: c.finishReason,
          token_ids: body.return_token_ids ? c.tokenIds : undefined,
          prompt_token_ids: body.return_token_ids ? gen.promptTokenIds : undefined,
          logprobs: { tokens: c.tokenIds.map((id) => `token_id:${id}`), token_logprobs: c.logprobs },
        })),
      })
    } catch (err) {
      send(400, { error: { message: (err as Error).message } })
    }
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  engine.close = async () => {
    await new Promise<void>((r) => server.close(() => r()))
    await generator.close()
  }
  return engine
}
