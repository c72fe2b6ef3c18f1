/** cohort learn: the GRPO learner service (learner/service): claim scored groups, train, publish, checkpoint. */
import { hostname } from 'node:os'
import { join } from 'node:path'
import { LOSS_TYPES, type LossType } from '../../learner/grpo/index.js'
import { resolveLearnConfig, runLearner, type Phase } from '../../learner/service/index.js'
import { resolveTrainConfig } from '../../learner/trainer/index.js'
import { parse, UsageError, type Command } from '../command.js'
import { describeDatabase, withDatabase } from '../database.js'
import { LORA_FLAGS, LORA_USAGE, loraOption } from './lora-options.js'

const usage = `cohort learn [options]

Runs the learner: claims ready groups from the database, recomputes old log-probs under the version that
generated each group (flagging groups whose reported log-probs disagree), runs the GRPO step, commits the
groups as trained with the step's metrics, publishes a version every N steps and checkpoints every K.
Resumes by itself (newest checkpoint + replay of committed steps). Prints a progress line per step.

Model and files
  --model DIR             base model: a Hugging Face folder (config.json, model.safetensors, tokenizer.json);
                          default: the built-in tiny byte-level model (--seed N)
  --dir DIR               artifacts/ (published versions) and checkpoints/ (default <COHORT_DATA_DIR>/learner)
  --owner NAME            claim owner, stable per learner (default learner@<hostname>)
Loop
  --batch-groups N        groups per step (default 8)
  --batch-wait-ms N       wait up to N ms for a full batch before training on fewer (default 5000; 0 = never)
  --max-staleness N       versions a group may lag before it is marked stale (default 4)
  --publish-every N       steps between published versions (default 5)
  --checkpoint-every N    steps between checkpoints (default 10)
  --keep-versions N       keep the files of the newest N versions, delete older ones from the store (default 20;
                          never version 0, never one a live lease or an untrained group names)
  --logprob-tolerance X   mean |reported − recomputed| log-prob (per token) before a group is flagged (default 0.05)
  --mask-truncated        no loss on completions that hit the length limit (always counted)
  --add-bos               prepend the tokenizer's BOS to raw text prompts (chat prompts: the template decides);
                          published versions record it (config.json cohort_prompt_bos) and every rollout worker,
                          ONNX or --engine openai, prompts the same way; raw-text groups of a version published
                          with the other setting are flagged prompt_bos_mismatch, not trained
  --gen-batch N --prompt-length N --cache-length N   published inference graphs' bucket (default 8, 64, 128)
  --max-steps N           stop after N committed steps      --idle-exit S   stop after S seconds of empty queue
  --poll-ms N             longest empty-queue poll interval (default 1000; from 25 ms doubling)
  --quiet                 no progress lines                  --trace         print "@phase <name>" lines
LoRA (adapters are published merged for the workers and as PEFT's adapter_model.safetensors + adapter_config.json)
${LORA_USAGE}
Update (TRL GRPOConfig names in learner/trainer/config.ts)
  --lr X (1e-5)  --beta X (0)  --loss-type ${LOSS_TYPES.join('|')} (dapo)  --epsilon X (0.2)  --epsilon-high X
  --temperature X (1)  --micro-batch N (8)  --iterations N (1)  --max-grad-norm X (1)  --weight-decay X (0)
  --importance-sampling-level token|sequence (token; sequence = GSPO)  --top-entropy-quantile X (1)
  --off-policy-mask-threshold X (off)  --vllm-importance-sampling-mode token_truncate|token_mask|sequence_truncate|
  sequence_mask (sequence_mask)  --vllm-importance-sampling-cap X (3)  --no-vllm-importance-sampling-correction
  --ep cpu|cuda|webgpu (env COHORT_EP, default cpu)  --threads N
Env: DATABASE_URL (a real Postgres), else the embedded PGlite in COHORT_DATA_DIR (default .cohort/);
     COHORT_S3_BUCKET + COHORT_S3_ENDPOINT [+ COHORT_S3_REGION, COHORT_S3_PREFIX] + AWS_ACCESS_KEY_ID +
     AWS_SECRET_ACCESS_KEY publish versions to an S3-compatible bucket (R2: region auto) instead of --dir.`

const num = (name: string, v: string | undefined, int = false) => {
  if (v === undefined) return undefined
  const x = Number(v)
  if (!Number.isFinite(x) || (int && !Number.isInteger(x))) throw new UsageError(`--${name} must be a${int ? 'n integer' : ' number'}, got ${v}`)
  return x
}

export const learn: Command = {
  name: 'learn',
  summary: 'run the GRPO learner (claim groups, train, publish versions; resumes by itself)',
  usage,
  async run(argv) {
    const s = { type: 'string' } as const
    const b = { type: 'boolean' } as const
    const { values: v } = parse(argv, {
      model: s, dir: s, owner: s, seed: s,
      'batch-groups': s, 'batch-wait-ms': s, 'max-staleness': s, 'publish-every': s, 'checkpoint-every': s, 'keep-versions': s, 'logprob-tolerance': s,
      'mask-truncated': b, 'add-bos': b, 'gen-batch': s, 'prompt-length': s, 'cache-length': s,
      'max-steps': s, 'idle-exit': s, 'poll-ms': s, quiet: b, trace: b,
      lr: s, beta: s, 'loss-type': s, epsilon: s, 'epsilon-high': s, temperature: s, 'micro-batch': s,
      iterations: s, 'max-grad-norm': s, 'weight-decay': s, ep: s, threads: s,
      'importance-sampling-level': s, 'top-entropy-quantile': s, 'off-policy-mask-threshold': s,
      'vllm-importance-sampling-mode': s, 'vllm-importance-sampling-cap': s, 'no-vllm-importance-sampling-correction': b,
      ...LORA_FLAGS,
    })
    const lora = loraOption(v)
    if (v['loss-type'] !== undefined && !(LOSS_TYPES as readonly string[]).includes(v['loss-type']))
      throw new UsageError(`--loss-type must be one of ${LOSS_TYPES.join(', ')}`)
    const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>
    const idle = num('idle-exit', v['idle-exit'])
    const bucket = { batch: num('gen-batch', v['gen-batch'], true) ?? 8, promptLength: num('prompt-length', v['prompt-length'], true) ?? 64, cacheLength: num('cache-length', v['cache-length'], true) ?? 128 }
    const learnCfg = {
      owner: v.owner ?? `learner@${hostname()}`,
      ...defined({
        batchGroups: num('batch-groups', v['batch-groups'], true),
        batchWaitMs: num('batch-wait-ms', v['batch-wait-ms'], true),
        maxStaleness: num('max-staleness', v['max-staleness'], true),
        publishEvery: num('publish-every', v['publish-every'], true),
        checkpointEvery: num('checkpoint-every', v['checkpoint-every'], true),
        keepVersions: num('keep-versions', v['keep-versions'], true),
        logprobTolerance: num('logprob-tolerance', v['logprob-tolerance']),
        maxSteps: num('max-steps', v['max-steps'], true),
        pollMs: num('poll-ms', v['poll-ms'], true),
        idleExitMs: idle === undefined ? undefined : Math.round(idle * 1000),
      }),
      maskTruncated: !!v['mask-truncated'],
      addBos: !!v['add-bos'],
      quiet: !!v.quiet,
      inferenceBucket: bucket,
    }
    const train = defined({
      lr: num('lr', v.lr),
      beta: num('beta', v.beta),
      lossType: v['loss-type'] as LossType | undefined,
      epsilon: num('epsilon', v.epsilon),
      epsilonHigh: num('epsilon-high', v['epsilon-high']),
      temperature: num('temperature', v.temperature),
      microBatchSize: num('micro-batch', v['micro-batch'], true),
      numIterations: num('iterations', v.iterations, true),
      maxGradNorm: num('max-grad-norm', v['max-grad-norm']),
      weightDecay: num('weight-decay', v['weight-decay']),
      ep: v.ep as 'cpu' | undefined,
      threads: num('threads', v.threads, true),
      importanceSamplingLevel: v['importance-sampling-level'] as 'token' | undefined,
      topEntropyQuantile: num('top-entropy-quantile', v['top-entropy-quantile']),
      offPolicyMaskThreshold: num('off-policy-mask-threshold', v['off-policy-mask-threshold']),
      vllmImportanceSamplingMode: v['vllm-importance-sampling-mode'] as 'sequence_mask' | undefined,
      vllmImportanceSamplingCap: num('vllm-importance-sampling-cap', v['vllm-importance-sampling-cap']),
      vllmImportanceSamplingCorrection: v['no-vllm-importance-sampling-correction'] ? false : undefined,
    })
    try {
      resolveLearnConfig(learnCfg)
      resolveTrainConfig(train)
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(err.message)
      throw err
    }
    const controller = new AbortController()
    const stop = () => controller.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    const dataDir = v.dir ?? join(process.env.COHORT_DATA_DIR || '.cohort', 'learner')
    const onPhase = v.trace ? (p: Phase) => console.log(`@phase ${p}`) : undefined
    const summary = await withDatabase(async ({ db }) => {
      console.error(`cohort learn: owner ${learnCfg.owner}, database ${describeDatabase()}, files in ${dataDir}/`)
      return runLearner({ db, dataDir, modelDir: v.model, seed: num('seed', v.seed, true), learn: learnCfg, train, lora, signal: controller.signal, onPhase })
    })
    console.error(
      `\ncohort learn: ${summary.steps} step(s), ${summary.groupsTrained} group(s) trained, ${summary.groupsFlagged} flagged, ` +
        `${summary.groupsStale} stale, ${summary.versionsPublished} version(s) published, ` +
        `${(summary.tokens / Math.max(summary.trainSeconds, 1e-9)).toFixed(0)} tok/s while training, ${summary.seconds.toFixed(1)} s in all`,
    )
    return 0
  },
}
