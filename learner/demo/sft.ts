/**
 * The SFT cold start (as in DeepSeek-R1): supervised cross-entropy on prompt → answer + EOS so the tiny
 * byte-level model can produce answers at all before GRPO takes over. Rows: prompt tokens (mask 0) followed by
 * the answer's tokens and EOS (mask 1); batches cycle through a seeded shuffle of the training items.
 */
import type { Trainer } from '../trainer/index.js'
import { promptIds, type ChatPrompt, type Tokenizer } from '../tokenizer/index.js'
import { shuffledCycle } from '../sample/index.js'
import type { TaskItem } from './arith.js'

export interface SftOptions {
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
}

/** One training row: prompt ids (not trained; the chat form when `chat`) + answer ids + EOS (trained). */
export function sftRow(tok: Tokenizer, item: TaskItem, chat?: ChatPrompt | null): { ids: number[]; mask: number[] } {
  const p = promptIds(tok, item.prompt, { chat })
  const a = [...tok.encode(item.answer), tok.eos]
  return { ids: [...p, ...a], mask: [...p.map(() => 0), ...a.map(() => 1)] }
}

export async function sftColdStart(trainer: Trainer, tok: Tokenizer, items: readonly TaskItem[], o: SftOptions): Promise<number> {
  if (items.length === 0) throw new RangeError('SFT needs training items')
  const next = shuffledCycle(items, o.seed ?? 1)
  let loss = NaN
  for (let step = 1; step <= o.steps && !o.signal?.aborted; step++) {
    const rows = next(o.batchSize).map((item) => sftRow(tok, item, o.chat))
    const m = await trainer.sftStep({ inputIds: rows.map((r) => r.ids), completionMask: rows.map((r) => r.mask) })
    loss = m.loss
    o.onStep?.(step, m.loss, m.tokens_per_second)
  }
  return loss
}
