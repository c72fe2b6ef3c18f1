/** cohort rollout: a rollout worker — an HTTP client of the edge (learner/rollout). */
import { EdgeClient, EdgeError, openOnnxGenerator, RolloutWorker } from '../../learner/rollout/index.js'
import { parse, UsageError, type Command } from '../command.js'
import { intOption } from './int-option.js'

export const rollout: Command = {
  name: 'rollout',
  summary: 'run a rollout worker: lease prompts, generate groups with the newest model, submit them',
  usage: `cohort rollout --task NAME [--edge URL] [--key KEY] [--concurrency N] [--cache-dir DIR]
               [--max-groups N] [--seed N] [--threads N] [--quiet]

Leases prompts of a task from the edge, downloads the newest published model version (every file's sha256
checked against the version's manifest), generates the group (G completions, KV-cached ONNX graphs) and submits
text, token ids, log-probs and finish reasons. Retries 429/503/network errors with exponential backoff and jitter.
SIGTERM / SIGINT: takes no new lease, finishes and submits the groups in flight, exits 0 (a second signal exits at
once; unfinished leases then expire at the edge, nothing is half-written).
  --task NAME        task to work on (required)
  --edge URL         edge base URL (env COHORT_EDGE_URL, default http://127.0.0.1:8787)
  --key KEY          worker key (env COHORT_WORKER_KEY)
  --concurrency N    leases in flight at once (default 1, at most 64)
  --cache-dir DIR    verified model versions are cached here (default .cohort/models)
  --max-groups N     exit after N groups (default: run until signalled)
  --seed N           base sampling seed (default 1)
  --threads N        onnxruntime intra-op threads (default: one per core)
  --quiet            no progress lines
Env: COHORT_EP (execution provider: cpu, the default, cuda or webgpu). Model files come through the edge
(GET /v1/models/{version}/files/{name}, sha256-checked): a worker needs no bucket credentials.`,
  async run(argv) {
    const { values } = parse(argv, {
      task: { type: 'string' },
      edge: { type: 'string' },
      key: { type: 'string' },
      concurrency: { type: 'string' },
      'cache-dir': { type: 'string' },
      'max-groups': { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      quiet: { type: 'boolean' },
    })
    if (!values.task) throw new UsageError('--task is required')
    const key = values.key ?? process.env.COHORT_WORKER_KEY
    if (!key) throw new UsageError('a worker key is required: --key or env COHORT_WORKER_KEY')
    const log = values.quiet ? () => {} : (line: string) => console.log(line)
    const worker = new RolloutWorker({
      edge: new EdgeClient({ baseUrl: values.edge ?? process.env.COHORT_EDGE_URL ?? 'http://127.0.0.1:8787', key }),
      task: values.task,
      concurrency: intOption('concurrency', values.concurrency, 1, 1, 64),
      cacheDir: values['cache-dir'],
      maxGroups: values['max-groups'] === undefined ? undefined : intOption('max-groups', values['max-groups'], 0, 1, 2 ** 31 - 1),
      seed: intOption('seed', values.seed, 1, 0, 2 ** 31 - 1),
      openGenerator: openOnnxGenerator({ threads: intOption('threads', values.threads, 0, 0, 256) }),
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
