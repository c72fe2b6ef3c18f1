/** cohort demo: the main job (`npm start`) — learner/demo. */
import { DEFAULT_DEMO, demoDataDir, DemoSetupError, loadTaskFile, parseVerifierOption, startDemo } from '../../learner/demo/index.js'
import { parse, stopSignal, UsageError, type Command } from '../command.js'
import { intOption, numberOption } from './numeric-options.js'
import { LORA_FLAGS, LORA_USAGE, loraOption } from './lora-options.js'

export const demo: Command = {
  name: 'demo',
  summary: 'the main job: embedded database, edge, SFT then GRPO with in-process workers, live dashboard',
  usage: `cohort demo [--minutes M | --grpo-steps N] [--workers W] [--lr X] [--publish-every N] [--port P] [--database-url URL] [--tasks FILE.jsonl]
            [--verifier JSON|FILE] [--sft-steps N] [--sft-target P] [--sft-max-operand N] [--sft-weight-decay X] [--seed N] [--data-dir DIR] [--quiet]
            [--chat] [--lora-rank R [--lora-alpha A] [--lora-dropout P] [--lora-targets LIST]]

On a machine with no servers: starts an embedded PGlite and the edge on Node, creates a task (built-in integer
arithmetic such as "Calculate 2+2*6=" → "14", with a held-out split), trains a tiny byte-level model with an SFT
cold start, then runs GRPO for M minutes — the learner and W rollout workers in this process (each worker in its
own thread), the workers talking to the edge over HTTP. Each published version is evaluated greedily on the held-out prompts. Prints progress, the
dashboard URL and, at the end, a summary table. Ctrl-C ends early (with the summary).
  --minutes M          GRPO wall-clock minutes (default ${DEFAULT_DEMO.minutes})
  --grpo-steps N       instead: GRPO for exactly N learner updates however long they take (comparing settings
                       on a busy machine at the updates an idle one makes in its minutes: ~1200 in 3)
  --workers W          rollout workers (default ${DEFAULT_DEMO.workers}, at most 8)
  --lr X               GRPO's peak learning rate (cosine to ${DEFAULT_DEMO.train.minLrRatio} of it; default ${DEFAULT_DEMO.train.lr})
  --publish-every N    learner steps between published versions (default ${DEFAULT_DEMO.learn.publishEvery})
  --port P             edge port (env PORT, default ${DEFAULT_DEMO.port}; 0 = any free port)
  --database-url URL   a real Postgres (env DATABASE_URL; default: embedded PGlite); when an earlier run trained
                       in it, this run creates and uses a fresh database cohort_demo_<time> on that server
  --tasks FILE         your own task: JSONL lines {"prompt": "...", "answer": "..."} (10 % held out)
  --verifier SPEC      the task's verifier, JSON text or a .json file (default {"type":"exact"})
  --sft-steps N        most SFT cold-start steps (default ${DEFAULT_DEMO.sft.steps})
  --sft-target P       SFT stops once greedy accuracy on ${DEFAULT_DEMO.sft.validation} training prompts kept out of SFT (never the
                       held-out set) reaches P, checked every ${DEFAULT_DEMO.sft.every} steps (default ${DEFAULT_DEMO.sft.target}; 1: all the steps)
  --sft-max-operand N  built-in task: the cold start trains on every sum with operands up to N (≥ the task's
                       ${DEFAULT_DEMO.arith.maxOperand}; default ${DEFAULT_DEMO.sft.wider?.maxOperand ?? DEFAULT_DEMO.arith.maxOperand}) except the held-out and validation prompts; ${DEFAULT_DEMO.arith.maxOperand}: the training prompts alone
  --sft-weight-decay X AdamW weight decay of the cold start (default ${DEFAULT_DEMO.sft.weightDecay ?? 0})
  --seed N             seed of the task split, the model and the samplers (default ${DEFAULT_DEMO.seed})
  --data-dir DIR       each run makes a folder here, everything it writes inside (default <COHORT_DATA_DIR>/demo,
                       i.e. .cohort/demo)
  --quiet              only the summary
  --chat               prompts as chat messages (system prompt + user turn) through the model's chat template
${LORA_USAGE}
                       (LoRA runs GRPO on adapters after the full SFT cold start, chat-templated: implies --chat)`,
  async run(argv) {
    const { values } = parse(argv, {
      minutes: { type: 'string' },
      'grpo-steps': { type: 'string' },
      workers: { type: 'string' },
      lr: { type: 'string' },
      'publish-every': { type: 'string' },
      port: { type: 'string' },
      'database-url': { type: 'string' },
      tasks: { type: 'string' },
      verifier: { type: 'string' },
      'sft-steps': { type: 'string' },
      'sft-target': { type: 'string' },
      'sft-max-operand': { type: 'string' },
      'sft-weight-decay': { type: 'string' },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
      quiet: { type: 'boolean' },
      chat: { type: 'boolean' },
      ...LORA_FLAGS,
    })
    const lora = loraOption(values)
    const minutes = numberOption('minutes', values.minutes, DEFAULT_DEMO.minutes, { lo: 0, loOpen: true, hi: 24 * 60 })
    if (values.minutes !== undefined && values['grpo-steps'] !== undefined) throw new UsageError('--minutes and --grpo-steps: give one')
    const grpoSteps = values['grpo-steps'] === undefined ? undefined : intOption('grpo-steps', values['grpo-steps'], 0, 1, 1_000_000)
    const lr = numberOption('lr', values.lr, DEFAULT_DEMO.train.lr!, { lo: 0, loOpen: true, hi: 1, hiOpen: true })
    const sftTarget = numberOption('sft-target', values['sft-target'], DEFAULT_DEMO.sft.target, { lo: 0, loOpen: true, hi: 1 })
    const sftWeightDecay = numberOption('sft-weight-decay', values['sft-weight-decay'], DEFAULT_DEMO.sft.weightDecay ?? 0, { lo: 0, hi: 1, hiOpen: true })
    if (values['sft-max-operand'] !== undefined && values.tasks) throw new UsageError('--sft-max-operand goes with the built-in task, not --tasks')
    const maxOperand = DEFAULT_DEMO.arith.maxOperand ?? 9
    const sftMax = values['sft-max-operand'] === undefined ? undefined : intOption('sft-max-operand', values['sft-max-operand'], maxOperand, maxOperand, 99)
    const sftWider = sftMax === undefined ? {} : { wider: sftMax === maxOperand ? undefined : { maxOperand: sftMax } }
    if (values.verifier && !values.tasks) throw new UsageError('--verifier goes with --tasks (the built-in task has its own)')
    let verifier
    try {
      if (values.tasks) loadTaskFile(values.tasks) // every line checked before anything starts
      verifier = values.verifier ? parseVerifierOption(values.verifier) : undefined
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
    // listened for before startDemo prints its first line; a signal during the start stops the run as soon as it is up
    const signal = stopSignal()
    let handle
    try {
      handle = await startDemo({
        minutes,
        grpoSteps,
        workers: intOption('workers', values.workers, DEFAULT_DEMO.workers, 1, 8),
        train: { ...DEFAULT_DEMO.train, lr },
        learn: { ...DEFAULT_DEMO.learn, publishEvery: intOption('publish-every', values['publish-every'], DEFAULT_DEMO.learn.publishEvery!, 1, 1_000_000) },
        port: intOption('port', values.port ?? process.env.PORT, DEFAULT_DEMO.port, 0, 65535),
        databaseUrl: values['database-url'] ?? (process.env.DATABASE_URL || undefined),
        tasksFile: values.tasks,
        verifier,
        sft: { ...DEFAULT_DEMO.sft, steps: intOption('sft-steps', values['sft-steps'], DEFAULT_DEMO.sft.steps, 0, 1_000_000), target: sftTarget, weightDecay: sftWeightDecay, ...sftWider },
        seed: intOption('seed', values.seed, DEFAULT_DEMO.seed, 0, 2 ** 31 - 1),
        dataDir: values['data-dir'] ?? demoDataDir(),
        quiet: values.quiet ?? false,
        chat: !!values.chat || lora !== undefined,
        lora,
      })
    } catch (err) {
      signal.dispose()
      if (err instanceof DemoSetupError) throw new UsageError(err.message)
      throw err
    }
    const running = handle
    void signal.stopped.then(() => running.stop())
    try {
      await handle.done
    } finally {
      signal.dispose()
    }
    return 0
  },
}
