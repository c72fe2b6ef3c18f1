/**
 * A user's own task for the demo: `--tasks file.jsonl` (one {"prompt": "...", "answer": "..."} per line) and
 * `--verifier` (a verifier spec as JSON text or a path to a .json file; default exact). Every line is checked;
 * errors name the line. A seeded 10 % (at most 500) is held out for the accuracy figures.
 */
import { existsSync, readFileSync } from 'node:fs'
import { verifierSpec, type VerifierSpec } from '../../verifiers/index.js'
import { createRng, shuffleInPlace } from '../sample/index.js'
import type { TaskItem, TaskSplit } from './arith.js'

/** Most lines read from a task file. */
export const MAX_TASK_LINES = 1_000_000

export function parseTaskLines(text: string, source = 'tasks'): TaskItem[] {
  const items: TaskItem[] = []
  const lines = text.split('\n')
  if (lines.length > MAX_TASK_LINES) throw new Error(`${source}: more than ${MAX_TASK_LINES} lines`)
  lines.forEach((line, i) => {
    if (!line.trim()) return
    let row: unknown
    try {
      row = JSON.parse(line)
    } catch (err) {
      throw new Error(`${source}:${i + 1}: not JSON (${(err as Error).message})`)
    }
    const r = row as Record<string, unknown>
    if (typeof r !== 'object' || r === null || typeof r.prompt !== 'string' || !r.prompt)
      throw new Error(`${source}:${i + 1}: expected {"prompt": "<non-empty text>", "answer": "<text>"}`)
    if (typeof r.answer !== 'string' && typeof r.answer !== 'number')
      throw new Error(`${source}:${i + 1}: "answer" must be a string or a number`)
    items.push({ prompt: r.prompt, answer: String(r.answer) })
  })
  if (items.length < 2) throw new Error(`${source}: needs at least 2 prompts, found ${items.length}`)
  return items
}

export function splitHeldOut(items: readonly TaskItem[], seed = 1): TaskSplit {
  const order = shuffleInPlace(items.map((_, i) => i), createRng(seed))
  const n = Math.max(1, Math.min(500, Math.round(items.length * 0.1)))
  return { heldOut: order.slice(0, n).map((i) => items[i]), train: order.slice(n).map((i) => items[i]) }
}

export function loadTaskFile(path: string, seed?: number): TaskSplit {
  return splitHeldOut(parseTaskLines(readFileSync(path, 'utf8'), path), seed)
}

/** `--verifier`: JSON text or a path to a JSON file, validated by the verifier library's schema. */
export function parseVerifierOption(arg: string): VerifierSpec {
  const text = existsSync(arg) ? readFileSync(arg, 'utf8') : arg
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new Error(`--verifier: neither a JSON spec nor a readable .json file: ${arg.slice(0, 80)}`)
  }
  const parsed = verifierSpec.safeParse(raw)
  if (!parsed.success)
    throw new Error(`--verifier: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
  return parsed.data
}
