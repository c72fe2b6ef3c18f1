/**
 * Held-out evaluation: greedy answers (temperature 0, one per prompt, batched through the Generator) scored by
 * the task's verifier (the same library the edge uses). Accuracy = fraction with full reward (≥ 1).
 */
import { verifyGroup, type VerifierSpec } from '../../verifiers/index.js'
import type { Generator } from '../generate/index.js'
import type { ChatPrompt } from '../tokenizer/index.js'
import type { TaskItem } from './arith.js'

export interface EvalResult {
  accuracy: number
  meanReward: number
  n: number
  /** a few (prompt, answer, reference) examples for the progress output */
  examples: { prompt: string; answer: string; reference: string; reward: number }[]
}

export async function evaluateHeldOut(
  gen: Generator,
  items: readonly TaskItem[],
  verifier: VerifierSpec,
  maxNewTokens: number,
  chat?: ChatPrompt | null,
): Promise<EvalResult> {
  const out = await gen.generate(items.map((i) => i.prompt), { n: 1, maxNewTokens, temperature: 0, chat: chat ?? undefined })
  let hits = 0
  let sum = 0
  const examples: EvalResult['examples'] = []
  for (let i = 0; i < items.length; i++) {
    const text = out[i].completions[0].text
    const v = await verifyGroup(verifier, { prompt: items[i].prompt, reference: items[i].answer, completions: [text] })
    const r = v.rewards[0] ?? 0
    sum += r
    if (r >= 1) hits++
    if (examples.length < 3) examples.push({ prompt: items[i].prompt, answer: text, reference: items[i].answer, reward: r })
  }
  return { accuracy: hits / items.length, meanReward: sum / items.length, n: items.length, examples }
}
