/** cohort rollout: a rollout worker — an HTTP client of the edge (learner/rollout). */
import { EdgeClient, EdgeError, EnginePolicies, openOnnxGenerator, RolloutWorker, type EngineReload } from '../../learner/rollout/index.js'
import type { ServerLogprobsMode } from '../../learner/generate/openai.js'
import { parse, UsageError, type Command } from '../command.js'
import { intOption } from './numeric-options.js'

export const rollout: Command = {
  name: 'rollout',
  summary: 'run a rollout worker: lease prompts, generate groups with the newest model, submit them',
  usage: `cohort rollout --task NAME [--edge URL] [--key KEY] [--concurrency N] [--lease-batch N] [--cache-dir DIR]
               [--max-groups N] [--seed N] [--threads N] [--quiet]
cohort rollout --task NAME --engine openai --base-url URL --model NAME [--api-key-env VAR]
               [--logprobs-mode raw_logprobs|processed_logprobs|cohort] [--reload sglang|vllm-lora]
               [--on-version CMD] [--engine-version N] [--concurrency N] …

Leases prompts of a task from the edge, downloads the newest published model version (every file's sha256
checked against the version's manifest), generates the group (G completions, KV-cached ONNX graphs) and submits
text, token ids and log-probs (base64 of their packed bytes, the compact encoding) and finish reasons. Retries 429/503/network errors with exponential backoff and jitter.
SIGTERM / SIGINT: takes no new lease, finishes and submits the groups in flight, exits 0 (a second signal exits at
once; unfinished leases then expire at the edge, nothing is half-written).
  --task NAME        task to work on (required)
  --edge URL         edge base URL (env COHORT_EDGE_URL, default http://127.0.0.1:8787)
  --key KEY          worker key (env COHORT_WORKER_KEY)
  --concurrency N    leases in flight at once (default 1, at most 64)
  --lease-batch N    each slot leases N prompts in one request and submits their N groups in one request
                     (POST /v1/leases {count}, POST /v1/groups; default 1; fleet keys without per-minute limits)
  --cache-dir DIR    verified model versions are cached here (default .cohort/models)
  --max-groups N     exit after N groups (default: run until signalled)
  --seed N           base sampling seed (default 1)
  --threads N        onnxruntime intra-op threads (default: one per core)
  --quiet            no progress lines
Engine rollouts (vLLM, SGLang or any OpenAI-compatible /v1/completions server that returns token ids and
log-probs; README "Scale out" lists the server flags):
  --engine openai    generate with the server at --base-url instead of in-process ONNX
  --base-url URL     the server root, e.g. http://127.0.0.1:8000
  --model NAME       the served model name
  --api-key-env VAR  environment variable holding the server's API key
  --logprobs-mode M  what the server's log-probs are (default raw_logprobs, vLLM's default); combinations whose
                     log-probs cannot be Cohort's (log-softmax(logits/T) before top-k/top-p) are refused
  --reload KIND      how a new version reaches the engine: sglang (POST /update_weights_from_disk with the
                     downloaded folder) or vllm-lora (POST /v1/load_lora_adapter); default none
  --on-version CMD   instead: run CMD with COHORT_MODEL_DIR, COHORT_MODEL_VERSION, COHORT_MODEL_FORMAT set;
                     exit 0 means the engine now serves that version
  --engine-version N the version the engine serves at start (default 0, the base model)
Groups are tagged with the version the engine actually serves: when a reload fails the worker keeps tagging
the old one (and never retries that version), and the learner's staleness rule applies.
Prompts go to the server as token ids, tokenized as the learner does (the served version's tokenizer, chat
template and config.json cohort_prompt_bos, read from its published files — not the weights); a reply whose
prompt_token_ids differ is refused. A version without tokenizer files: text prompts as text, chat tasks refused.
Env: COHORT_EP (execution provider: cpu, the default, cuda or webgpu). Model files come through the edge
(GET /v1/models/{version}/files/{name}, sha256-checked): a worker needs no bucket credentials.`,
  async run(argv) {
    const { values } = parse(argv, {
      task: { type: 'string' },
      edge: { type: 'string' },
      key: { type: 'string' },
      concurrency: { type: 'string' },
      'lease-batch': { type: 'string' },
      'cache-dir': { type: 'string' },
      'max-groups': { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      quiet: { type: 'boolean' },
      engine: { type: 'string' },
      'base-url': { type: 'string' },
      model: { type: 'string' },
      'api-key-env': { type: 'string' },
      'logprobs-mode': { type: 'string' },
      reload: { type: 'string' },
      'on-version': { type: 'string' },
      'engine-version': { type: 'string' },
    })
    if (!values.task) throw new UsageError('--task is required')
    const key = values.key ?? process.env.COHORT_WORKER_KEY
    if (!key) throw new UsageError('a worker key is required: --key or env COHORT_WORKER_KEY')
    const log = values.quiet ? () => {} : (line: string) => console.log(line)
    const edge = new EdgeClient({ baseUrl: values.edge ?? process.env.COHORT_EDGE_URL ?? 'http://127.0.0.1:8787', key })
    const engine = values.engine ?? 'onnx'
    if (engine !== 'onnx' && engine !== 'openai') throw new UsageError(`--engine must be onnx or openai, not ${engine}`)
    const engineFlags = ['base-url', 'model', 'api-key-env', 'logprobs-mode', 'reload', 'on-version', 'engine-version'] as const
    if (engine === 'onnx' && engineFlags.some((f) => values[f] !== undefined))
      throw new UsageError(`--${engineFlags.find((f) => values[f] !== undefined)} needs --engine openai`)
    let policies: EnginePolicies | undefined
    if (engine === 'openai') {
      if (!values['base-url']) throw new UsageError('--engine openai needs --base-url')
      if (!values.model) throw new UsageError('--engine openai needs --model')
      const mode = values['logprobs-mode'] ?? 'raw_logprobs'
      if (!['raw_logprobs', 'processed_logprobs', 'cohort'].includes(mode)) throw new UsageError(`--logprobs-mode must be raw_logprobs, processed_logprobs or cohort, not ${mode}`)
      const apiKey = values['api-key-env'] ? process.env[values['api-key-env']] : undefined
      if (values['api-key-env'] && !apiKey) throw new UsageError(`--api-key-env ${values['api-key-env']}: that variable is not set`)
      if (values.reload && values['on-version']) throw new UsageError('--reload and --on-version exclude each other')
      if (values.reload && !['sglang', 'vllm-lora', 'none'].includes(values.reload)) throw new UsageError(`--reload must be sglang, vllm-lora or none, not ${values.reload}`)
      const reload: EngineReload = values['on-version']
        ? { kind: 'command', command: values['on-version'] }
        : { kind: (values.reload ?? 'none') as 'sglang' | 'vllm-lora' | 'none' }
      policies = new EnginePolicies(edge, values['cache-dir'] ?? '.cohort/models', {
        baseUrl: values['base-url'],
        model: values.model,
        apiKey,
        logprobsMode: mode as ServerLogprobsMode,
        reload,
        servedVersion: intOption('engine-version', values['engine-version'], 0, 0, 2 ** 31 - 1),
      }, log)
    }
    const worker = new RolloutWorker({
      edge,
      policies,
      task: values.task,
      concurrency: intOption('concurrency', values.concurrency, 1, 1, 64),
      leaseBatch: intOption('lease-batch', values['lease-batch'], 1, 1, 64),
      cacheDir: values['cache-dir'],
      maxGroups: values['max-groups'] === undefined ? undefined : intOption('max-groups', values['max-groups'], 0, 1, 2 ** 31 - 1),
      seed: intOption('seed', values.seed, 1, 0, 2 ** 31 - 1),
      openGenerator: policies ? undefined : openOnnxGenerator({ threads: intOption('threads', values.threads, 0, 0, 256) }),
      log,
      onGroup: (g) => {
        const s = worker.stats
        const tps = s.generateSeconds > 0 ? s.tokens / s.generateSeconds : 0
        const mean = g.result.rewards.reduce<number>((a, r) => a + (r ?? 0), 0) / g.result.rewards.length
        log(`rollout: group ${g.result.groupId} v${g.policyVersion} reward ${mean.toFixed(2)} · ${s.groups} groups · ${tps.toFixed(0)} tok/s`)
      },
    })
    let signals = 0
    const onSignal = (sig: string) => {
      if (++signals > 1) process.exit(130)
      log(`rollout: ${sig}: finishing the groups in flight, no new leases`)
      worker.stop()
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
    log(`rollout: task ${values.task} at ${worker.o.edge.baseUrl}, ${worker.o.concurrency} lease(s) at a time; waiting for the edge and a published model`)
    let s
    try {
      s = await worker.run()
    } catch (err) {
      if (!(err instanceof EdgeError)) throw err
      console.error(`cohort rollout: ${err.message}`) // e.g. an unknown task or a refused key: retrying cannot help
      return 1
    } finally {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
    }
    log(`rollout: done — ${s.groups} groups, ${s.tokens} tokens, ${s.expired} expired, ${s.errors} errors`)
    return s.errors > 0 && s.groups === 0 ? 1 : 0
  },
}
