/**
 * The SFT cold start (as in DeepSeek-R1): supervised cross-entropy on prompt → answer + EOS so the tiny
 * byte-level model can produce answers at all before GRPO takes over. Rows: prompt tokens (mask 0) followed by
 * the answer's tokens and EOS (mask 1); batches cycle through a seeded shuffle of the training items.
 *
 * With `until`, the cold start stops as soon as accuracy on a validation split (training prompts kept out of
 * SFT; never the held-out set the demo reports) reaches a target, checked every `every` steps: a start that
 * answers some prompts right (so GRPO's groups carry reward variance) and leaves room for GRPO to show.
 */
import type { Trainer } from '../trainer/index.js'
import { promptIds, type ChatPrompt, type Tokenizer } from '../tokenizer/index.js'
import { shuffledCycle } from '../sample/index.js'
import type { TaskItem } from './arith.js'

export interface SftOptions {
  /** steps (with `until`: at most) */
  steps: number
  /** rows per step */
  batchSize: number
  seed?: number
  /** stop early (the demo's Ctrl-C) */
  signal?: AbortSignal
  /** the task's chat option (prompts rendered as the workers render them) */
  chat?: ChatPrompt | null
  /** called after each step */
  onStep?: (step: number, loss: number, tokensPerSecond: number) => void
  /** stop once validate() (accuracy of the current weights on a validation split) ≥ target, checked every `every` steps */
  until?: { validate: () => Promise<number>; target: number; every: number; onCheck?: (step: number, accuracy: number) => void }
}

export interface SftResult {
  /** steps taken */
  steps: number
  /** loss of the last step (NaN when none) */
  loss: number
  /** the last validation accuracy checked (null: no `until`, or no check reached) */
  validation: number | null
  /** the target was reached (false: ran out of steps, or stopped) */
  reached: boolean
}

/** One training row: prompt ids (not trained; the chat form when `chat`) + answer ids + EOS (trained). */
export function sftRow(tok: Tokenizer, item: TaskItem, chat?: ChatPrompt | null): { ids: number[]; mask: number[] } {
  const p = promptIds(tok, item.prompt, { chat })
  const a = [...tok.encode(item.answer), tok.eos]
  return { ids: [...p, ...a], mask: [...p.map(() => 0), ...a.map(() => 1)] }
}

export async function sftColdStart(trainer: Trainer, tok: Tokenizer, items: readonly TaskItem[], o: SftOptions): Promise<SftResult> {
  if (items.length === 0) throw new RangeError('SFT needs training items')
  const u = o.until
  if (u && !(Number.isInteger(u.every) && u.every > 0)) throw new RangeError(`SFT: until.every must be a positive integer, got ${u.every}`)
  const next = shuffledCycle(items, o.seed ?? 1)
  let loss = NaN
  let validation: number | null = null
  let step = 0
  while (step < o.steps && !o.signal?.aborted) {
    step++
    const rows = next(o.batchSize).map((item) => sftRow(tok, item, o.chat))
    const m = await trainer.sftStep({ inputIds: rows.map((r) => r.ids), completionMask: rows.map((r) => r.mask) })
    loss = m.loss
    o.onStep?.(step, m.loss, m.tokens_per_second)
    if (u && step % u.every === 0) {
      validation = await u.validate()
      u.onCheck?.(step, validation)
      if (validation >= u.target) return { steps: step, loss, validation, reached: true }
    }
  }
  return { steps: step, loss, validation, reached: false }
}

/** A validation split for `until`: the last `n` training items (SFT trains on the rest; GRPO may use all). */
export function validationSplit<T>(train: readonly T[], n: number): { sft: T[]; validation: T[] } {
  const k = Math.max(0, Math.min(n, train.length - 1))
  return { sft: train.slice(0, train.length - k), validation: train.slice(train.length - k) }
}
