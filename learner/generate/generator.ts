/**
 * The rollout generator seam: whatever produces G completions per prompt with per-token log-probs.
 * Implementations: OnnxGenerator (the published ONNX inference graphs, in process) and
 * OpenAICompatibleGenerator (vLLM or any server speaking POST /v1/completions with logprobs).
 *
 * Contract of a completion (what the rollout worker submits and the learner trains on):
 *   tokenIds[i]  the i-th sampled token; a stop token (EOS or opts.eos) that ended the completion is included,
 *                as TRL keeps it: the policy learns to stop.
 *   logprobs[i]  log_softmax(logits / temperature)[tokenIds[i]] over the full vocabulary, before top-k/top-p
 *                (Cohort's convention, learner/sample/sample.ts); temperature 0 (greedy) reports temperature 1.
 *   text         the decoded completion without special tokens, cut before the first stop string if any.
 *   finishReason 'stop' (EOS, a stop token or a stop string) | 'length' (maxNewTokens reached).
 */
import { checkSampleOptions } from '../sample/index.js'
import type { ChatPrompt } from '../tokenizer/index.js'

/** A prompt as text (the generator tokenizes it) or as token ids (used as is). */
export type Prompt = string | readonly number[]

export interface GenerateOptions {
  /** G: completions per prompt (the GRPO group size), ≥ 1. */
  n: number
  /** most tokens generated per completion, ≥ 1. */
  maxNewTokens: number
  /** 0 = greedy; otherwise > 0. */
  temperature: number
  /** nucleus mass in (0, 1]; undefined or 1 = off. */
  topP?: number
  /** keep the k most probable tokens; undefined or 0 = off. */
  topK?: number
  /** seed of the sampling stream: same seed, prompts and weights → same completions. */
  seed?: number
  /** stop strings: generation of a completion ends once its text contains one (the text is cut before it). */
  stop?: readonly string[]
  /** stop token ids (replace the model's EOS when given). */
  eos?: number | readonly number[]
  /** render text prompts as chat messages with the model's chat template (the task's chat option) */
  chat?: ChatPrompt
}

export interface Completion {
  text: string
  tokenIds: number[]
  logprobs: number[]
  finishReason: 'stop' | 'length'
}

/** One prompt's group. */
export interface Generation {
  /** the prompt's token ids as the model saw them */
  promptTokenIds: number[]
  /** opts.n completions */
  completions: Completion[]
}

export interface Generator {
  /** One Generation per prompt, in order. */
  generate(prompts: readonly Prompt[], opts: GenerateOptions): Promise<Generation[]>
  /** Release sessions / connections. */
  close(): Promise<void>
}

/** Hard limits a generator call refuses beyond (explicit, so a bad lease cannot ask for unbounded work). */
export const GENERATE_LIMITS = { maxN: 256, maxNewTokens: 32_768, maxPrompts: 4096, maxStopStrings: 16 } as const

/** Validate options; throws RangeError naming the field. */
export function checkGenerateOptions(o: GenerateOptions, promptCount: number): void {
  const L = GENERATE_LIMITS
  if (!(Number.isInteger(o.n) && o.n >= 1 && o.n <= L.maxN)) throw new RangeError(`n must be an integer in [1, ${L.maxN}], got ${o.n}`)
  if (!(Number.isInteger(o.maxNewTokens) && o.maxNewTokens >= 1 && o.maxNewTokens <= L.maxNewTokens))
    throw new RangeError(`maxNewTokens must be an integer in [1, ${L.maxNewTokens}], got ${o.maxNewTokens}`)
  checkSampleOptions(o)
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new RangeError(`seed must be a finite number, got ${o.seed}`)
  if (o.stop && (o.stop.length > L.maxStopStrings || o.stop.some((s) => typeof s !== 'string' || s.length === 0)))
    throw new RangeError(`stop must be at most ${L.maxStopStrings} non-empty strings`)
  for (const id of stopIds(o.eos, [])) if (!(Number.isInteger(id) && id >= 0)) throw new RangeError(`eos ids must be non-negative integers, got ${id}`)
  if (promptCount > L.maxPrompts) throw new RangeError(`at most ${L.maxPrompts} prompts per call, got ${promptCount}`)
}

/** The stop token ids: opts.eos when given, else the fallback (the model's / tokenizer's EOS). */
export function stopIds(eos: GenerateOptions['eos'], fallback: readonly number[]): number[] {
  if (eos === undefined) return [...fallback]
  return typeof eos === 'number' ? [eos] : [...eos]
}

/** Index of the first stop string in `text` (and which), or -1. */
export function findStop(text: string, stop: readonly string[] | undefined): number {
  if (!stop?.length) return -1
  let at = -1
  for (const s of stop) {
    const i = text.indexOf(s)
    if (i >= 0 && (at < 0 || i < at)) at = i
  }
  return at
}
