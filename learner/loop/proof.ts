/**
 * The learning proof (issue 3): from random init, a short SFT cold start on the demo's arithmetic task
 * (learner/demo: arithmeticTask + sftColdStart), then online GRPO (grpoLoop) with the `exact` reward; the held-out
 * split is evaluated greedily before and during GRPO. One function, two settings: LEARNING_TEST (the test, about
 * a minute on 2 cores) and LEARNING_BENCH (bench/learning-curve.ts, longer).
 */
import type { ModelConfig } from '../config.js'
import { verifierSpec } from '../../verifiers/index.js'
import { arithmeticTask, ARITH_VERIFIER, type ArithOptions } from '../demo/arith.js'
import { evaluateHeldOut, type EvalResult } from '../demo/eval.js'
import { sftColdStart } from '../demo/sft.js'
import { tinyModel } from '../service/base.js'
import type { LoraConfig } from '../lora/index.js'
import { Trainer, type TrainConfig } from '../trainer/index.js'
import { grpoLoop, type LoopResult } from './loop.js'
import type { LoopStepMetrics } from './metrics.js'
import { onnxGenerator, snapshot } from './policy.js'

export interface LearningConfig {
  /** seeds the task split, the initial weights, SFT order and GRPO sampling */
  seed: number
  /** the task (learner/demo/arith.ts) */
  arith: ArithOptions
  /** the byte-level Llama (fields override learner/service TINY_CONFIG) */
  model: Partial<ModelConfig>
  /** SFT cold start: steps, rows per step, peak learning rate (10 warmup steps) */
  sft: { steps: number; batchSize: number; lr: number }
  /** the GRPO update (TrainConfig fields: lr, beta, lossType, epsilon …; a cosine schedule ends at `steps` unless totalSteps is set) */
  grpo: Partial<TrainConfig>
  /** G */
  groupSize: number
  /** groups per GRPO step */
  promptsPerStep: number
  /** GRPO steps */
  steps: number
  /** sampling temperature (rollouts and log-probs) */
  temperature: number
  /** tokens per completion */
  maxNewTokens: number
  /** held-out evaluation every k GRPO steps (and before the first, after the last) */
  evalEvery: number
  /** intra-op threads per ORT session */
  threads: number
  /** GRPO trains LoRA adapters on the SFT weights (the SFT cold start stays full fine-tuning) */
  lora?: LoraConfig
}

export const LEARNING_TEST: LearningConfig = {
  seed: 4,
  arith: { terms: 2, maxOperand: 19, ops: '+', train: 320, heldOut: 80 },
  model: { hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 128, max_position_embeddings: 64 },
  sft: { steps: 400, batchSize: 32, lr: 3e-3 },
  grpo: { lr: 5e-4, schedule: 'cosine', minLrRatio: 0.1, beta: 0.01, lossType: 'dapo', epsilon: 0.2, epsilonHigh: 0.28 },
  groupSize: 8,
  promptsPerStep: 32,
  steps: 150,
  temperature: 1,
  maxNewTokens: 6,
  evalEvery: 25,
  threads: 1,
}

export const LEARNING_BENCH: LearningConfig = { ...LEARNING_TEST, steps: 300, evalEvery: 10 }

/** The same run with LoRA GRPO (r 8 on every projection; adapters take PEFT's usual larger step). */
export const LEARNING_LORA_TEST: LearningConfig = {
  ...LEARNING_TEST,
  grpo: { ...LEARNING_TEST.grpo, lr: 5e-3 },
  lora: { r: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
}

export interface LearningHooks {
  onSft?: (step: number, loss: number) => void
  onEval?: (step: number, r: EvalResult) => void
  onStep?: (m: LoopStepMetrics) => void
}

export interface LearningResult {
  /** greedy held-out accuracy of the random initial weights */
  initial: EvalResult
  /** after SFT = before GRPO */
  sft: EvalResult
  grpo: LoopResult
  sftSeconds: number
  grpoSeconds: number
  params: number
}

export async function sftThenGrpo(c: LearningConfig, hooks: LearningHooks = {}): Promise<LearningResult> {
  const split = arithmeticTask({ ...c.arith, seed: c.seed })
  const base = tinyModel(c.seed, c.model)
  const tokenizer = base.tokenizer!
  const verifier = verifierSpec.parse(ARITH_VERIFIER)
  const longest = Math.max(...[...split.train, ...split.heldOut].map((i) => tokenizer.encode(i.prompt).length))
  const bucket = { batch: c.groupSize * c.promptsPerStep, promptLength: longest, cacheLength: longest + c.maxNewTokens - 1 }
  const open = onnxGenerator({ config: base.config, tokenizer }, bucket, { threads: c.threads })
  const params = [...base.params.values()].reduce((n, w) => n + w.length, 0)

  // random init, then SFT cold start (its own Trainer: its optimizer state is not GRPO's)
  const initialGen = await open(snapshot(base.params))
  const initial = await evaluateHeldOut(initialGen, split.heldOut, verifier, c.maxNewTokens).finally(() => initialGen.close())
  let t = performance.now()
  const sftTrainer = new Trainer(base.config, base.params, { lr: c.sft.lr, warmupSteps: 10, threads: c.threads, entropy: false, microBatchSize: c.sft.batchSize }, { tokenizer })
  await sftColdStart(sftTrainer, tokenizer, split.train, { steps: c.sft.steps, batchSize: c.sft.batchSize, seed: c.seed, onStep: hooks.onSft })
  await sftTrainer.close()
  const sftSeconds = (performance.now() - t) / 1000

  // GRPO from the SFT weights (also the KL reference)
  t = performance.now()
  const trainer = new Trainer(base.config, base.params, {
    temperature: c.temperature, threads: c.threads, microBatchSize: c.groupSize * c.promptsPerStep, maxCompletionLength: c.maxNewTokens, totalSteps: Math.max(1, c.steps), ...c.grpo,
  }, { tokenizer, lora: c.lora })
  try {
    const grpo = await grpoLoop({
      trainer, generator: open, prompts: split.train, heldOut: split.heldOut, verifier,
      groupSize: c.groupSize, promptsPerStep: c.promptsPerStep, steps: c.steps, maxNewTokens: c.maxNewTokens,
      evalEvery: c.evalEvery, seed: c.seed, onEval: hooks.onEval, onStep: hooks.onStep,
    })
    return { initial, sft: grpo.before!, grpo, sftSeconds, grpoSeconds: (performance.now() - t) / 1000, params }
  } finally {
    await trainer.close()
  }
}
