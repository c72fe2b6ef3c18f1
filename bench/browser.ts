/**
 * bench:browser — generation tokens/s of the browser rollout worker (the learner's OnnxGenerator bundled with
 * onnxruntime-web, WASM backend, in Debian's headless Chromium, cross-origin isolated so threads are allowed)
 * against the Node worker's (the same OnnxGenerator on onnxruntime-node, CPU EP, in this process), on the same
 * model, prompts, seed and settings, both in one run. The model is a random byte-level Llama (BENCH_HIDDEN,
 * default 256; 4 layers), bucket B=4, prompt ≤ 16, 64 new tokens; a run generates G=4 completions for 4 prompts
 * (4 batches of 4 rows × 64 tokens). Each side: graphs compiled, one warm-up run, then BENCH_RUNS (default 5)
 * timed runs; the table gives tokens/s as median and min–max over runs, at 1 and 2 threads. Same seed on both
 * sides: the first completion's tokens must agree (it checks).
 */
import { createServer, type Server } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { buildBrowserBundle, ORT_WEB_DIR } from '../learner/browser/build.js'
import { resolveConfig } from '../learner/config.js'
import { exportInferenceModel, INFERENCE_FILES, loadInferenceModel, OnnxGenerator, type GenerateOptions } from '../learner/generate/index.js'
import { initParams, saveCheckpoint } from '../learner/io/index.js'
import { BYTE_BOS, BYTE_EOS, BYTE_PAD, BYTE_VOCAB_SIZE, byteTokenizer } from '../learner/tokenizer/index.js'
import { median } from './stats.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const HIDDEN = Number(process.env.BENCH_HIDDEN ?? 256)
const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

const prompts = ['12+7=', '3*4=', 'the cat ', 'Q: 9-2? A:']
// eos: none (an id outside the byte vocabulary's use), so every row makes exactly maxNewTokens tokens
const gen: GenerateOptions = { n: 4, maxNewTokens: 64, temperature: 1, seed: 42, eos: [] }

const dir = await mkdtemp(join(tmpdir(), 'cohort-bench-browser-'))
const config = resolveConfig({
  model_type: 'llama', hidden_size: HIDDEN, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: HIDDEN * 3, vocab_size: BYTE_VOCAB_SIZE, max_position_embeddings: 128, tie_word_embeddings: true,
  bos_token_id: BYTE_BOS, eos_token_id: BYTE_EOS, pad_token_id: BYTE_PAD,
})
const ckpt = { config, params: initParams(config, 1), tokenizer: byteTokenizer() }
await saveCheckpoint(dir, ckpt)
await exportInferenceModel(dir, ckpt, { batch: 4, promptLength: 16, cacheLength: 80 })
const files: string[] = [...INFERENCE_FILES.required, ...INFERENCE_FILES.optional].filter((f) => existsSync(join(dir, f)))
await buildBrowserBundle(fileURLToPath(new URL('./browser/entry.ts', import.meta.url)), join(dir, 'web', 'app.js'))

/** A static server for the page, its bundle, onnxruntime-web's files and the model (cross-origin isolated). */
const server: Server = createServer(async (req, res) => {
  const url = new URL(req.url!, 'http://x')
  const send = (body: string | Buffer, type: string) => {
    res.writeHead(200, { 'content-type': type, 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' })
    res.end(body)
  }
  try {
    if (url.pathname === '/') return send('<!doctype html><script type="module" src="/app.js"></script>', 'text/html')
    if (url.pathname === '/app.js') return send(await readFile(join(dir, 'web', 'app.js')), 'text/javascript')
    if (url.pathname.startsWith('/ort/') && /^[\w.-]+$/.test(url.pathname.slice(5)))
      return send(await readFile(join(ORT_WEB_DIR, url.pathname.slice(5))), url.pathname.endsWith('.wasm') ? 'application/wasm' : 'text/javascript')
    const f = url.pathname.slice('/model/'.length)
    if (url.pathname.startsWith('/model/') && files.includes(f)) return send(await readFile(join(dir, f)), 'application/octet-stream')
  } catch {}
  res.writeHead(404).end()
})
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`

interface Side { name: string; seconds: number[]; tokens: number; firstTokens: number[] }
const sides: Side[] = []

async function nodeSide(threads: number): Promise<Side> {
  const g = new OnnxGenerator(await loadInferenceModel(dir), { threads })
  await g.warm()
  await g.generate(prompts, gen)
  const seconds: number[] = []
  let out = await g.generate(prompts, gen)
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now()
    out = await g.generate(prompts, gen)
    seconds.push((performance.now() - t0) / 1000)
  }
  await g.close()
  const tokens = out.reduce((n, p) => n + p.completions.reduce((m, c) => m + c.tokenIds.length, 0), 0)
  return { name: `Node, onnxruntime-node CPU EP, ${threads} thread${threads > 1 ? 's' : ''}`, seconds, tokens, firstTokens: out[0].completions[0].tokenIds }
}

console.log(`bench:browser — hidden ${HIDDEN}, 4 layers, byte vocab, ${prompts.length} prompts × G=${gen.n} × ${gen.maxNewTokens} tokens per run, ${RUNS} runs; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
try {
  for (const threads of [1, 2]) {
    sides.push(await nodeSide(threads))
    const page = await browser.newPage()
    await page.goto(base)
    await page.waitForFunction(() => typeof window.benchGenerate === 'function')
    const r = await page.evaluate((o) => window.benchGenerate(o), { files, prompts, gen, threads, runs: RUNS })
    sides.push({ name: `Chromium ${browser.version()}, onnxruntime-web WASM, ${threads} thread${threads > 1 ? 's' : ''}`, ...r })
    await page.close()
  }
} finally {
  await browser.close()
  server.close()
  await rm(dir, { recursive: true, force: true })
}
for (const s of sides) {
  const tps = s.seconds.map((x) => s.tokens / x)
  console.log(`${s.name.padEnd(58)} ${median(tps).toFixed(0).padStart(6)} tokens/s (${Math.min(...tps).toFixed(0)}–${Math.max(...tps).toFixed(0)})`)
}
const same = sides.every((s) => s.firstTokens.join() === sides[0].firstTokens.join())
console.log(`same tokens on every side (same seed): ${same}; load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
if (!same) process.exitCode = 1
