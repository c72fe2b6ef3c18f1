/**
 * The demo's built-in task, generated in code: integer arithmetic with precedence, e.g.
 *   prompt "Calculate 2+2*6="   answer "14"
 * `terms` operands (single digits by default) joined by + - * ; answers are exact integers (Python-style
 * precedence, no division). The split is by prompt text, seeded: a held-out set the policy never trains on.
 * The reward is the `exact` verifier (the whole completion must be the number).
 */
import { verifierSpec, type VerifierSpec } from '../../verifiers/index.js'
import { createRng } from '../sample/index.js'

export interface ArithOptions {
  /** operands per expression (2..4; default 3) */
  terms?: number
  /** largest operand (default 9) */
  maxOperand?: number
  /** operators drawn from (default '+-*') */
  ops?: string
  /** training prompts (default 2000) */
  train?: number
  /** held-out prompts (default 200) */
  heldOut?: number
  seed?: number
}

export interface TaskItem {
  prompt: string
  answer: string
}

export interface TaskSplit {
  train: TaskItem[]
  heldOut: TaskItem[]
}

/** The built-in task's reward: the `exact` verifier with its defaults (a parsed spec, ready for verifyGroup). */
export const ARITH_VERIFIER: VerifierSpec = verifierSpec.parse({ type: 'exact' })
export const ARITH_PREFIX = 'Calculate '

/** Value of `a op b op c …` with * before + and − (left to right within a level). */
export function evaluate(operands: readonly number[], ops: readonly string[]): number {
  const sums: number[] = [operands[0]]
  const signs: number[] = [1]
  for (let i = 0; i < ops.length; i++) {
    const x = operands[i + 1]
    if (ops[i] === '*') sums[sums.length - 1] *= x
    else {
      sums.push(x)
      signs.push(ops[i] === '-' ? -1 : 1)
    }
  }
  return sums.reduce((acc, v, i) => acc + signs[i] * v, 0)
}

/** The k-th expression of the space, in mixed radix over (operands, operators). */
function nth(k: number, o: Required<Omit<ArithOptions, 'train' | 'heldOut' | 'seed'>>): TaskItem {
  const operands: number[] = []
  const ops: string[] = []
  for (let i = 0; i < o.terms; i++) {
    operands.push(k % (o.maxOperand + 1))
    k = Math.floor(k / (o.maxOperand + 1))
  }
  for (let i = 0; i < o.terms - 1; i++) {
    ops.push(o.ops[k % o.ops.length])
    k = Math.floor(k / o.ops.length)
  }
  let expr = String(operands[0])
  for (let i = 0; i < ops.length; i++) expr += ops[i] + operands[i + 1]
  return { prompt: `${ARITH_PREFIX}${expr}=`, answer: String(evaluate(operands, ops)) }
}

/** How many distinct expressions the options describe. */
export function expressionCount(opts: ArithOptions = {}): number {
  const terms = opts.terms ?? 3
  return ((opts.maxOperand ?? 9) + 1) ** terms * (opts.ops ?? '+-*').length ** (terms - 1)
}

/** Every expression of the space (seeded order) except the prompts in `exclude`: a wider pool for the cold start. */
export function expressionsExcept(opts: ArithOptions, exclude: readonly TaskItem[]): TaskItem[] {
  const out = new Set(exclude.map((i) => i.prompt))
  return arithmeticTask({ ...opts, train: expressionCount(opts), heldOut: 0 }).train.filter((i) => !out.has(i.prompt))
}

/** Distinct prompts, split into train and held-out (disjoint by text). */
export function arithmeticTask(opts: ArithOptions = {}): TaskSplit {
  const o = { terms: opts.terms ?? 3, maxOperand: opts.maxOperand ?? 9, ops: opts.ops ?? '+-*' }
  if (!(Number.isInteger(o.terms) && o.terms >= 2 && o.terms <= 4)) throw new RangeError(`terms must be 2..4, got ${o.terms}`)
  if (!(Number.isInteger(o.maxOperand) && o.maxOperand >= 1 && o.maxOperand <= 99)) throw new RangeError('maxOperand must be 1..99')
  if (!o.ops || /[^+\-*]/.test(o.ops)) throw new RangeError(`ops must use only + - *, got ${JSON.stringify(o.ops)}`)
  const nTrain = opts.train ?? 2000
  const nHeld = opts.heldOut ?? 200
  const space = expressionCount(o)
  if (nTrain + nHeld > space) throw new RangeError(`asked for ${nTrain + nHeld} prompts; only ${space} distinct expressions exist`)
  // a seeded sample without replacement of expression indices (partial Fisher–Yates over a sparse permutation)
  const rng = createRng(opts.seed ?? 1)
  const swapped = new Map<number, number>()
  const items: TaskItem[] = []
  for (let i = 0; i < nTrain + nHeld; i++) {
    const j = i + (rng.nextU32() % (space - i))
    const pick = swapped.get(j) ?? j
    swapped.set(j, swapped.get(i) ?? i)
    items.push(nth(pick, o))
  }
  return { heldOut: items.slice(0, nHeld), train: items.slice(nHeld) }
}
