/**
 * GSM8K worked examples (../shared/data/gsm8k_test.jsonl, MIT, 1,319 problems): each reference is the full worked
 * solution (the verifier takes its `#### N`), and its answer written the ways models write it — boxed, "The answer
 * is N.", `#### 1,234`, bold "**Answer:** N dollars", currency before the number, units and nouns after it,
 * thousands separators, inside LaTeX, after a `<think>` block — must score 1, and a neighbouring problem's
 * (different) answer, written the same ways, 0. And R1-style endings with the two answers: the one kept after a
 * correction, a negated box, a made-up next problem or a check scores 1, the one given up 0, a hedge between them or
 * a retraction 0.
 */
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { verifierSpec, verifyGroup } from '../../verifiers/index.js'

const FILE = new URL('../../../shared/data/gsm8k_test.jsonl', import.meta.url)
const rows = existsSync(FILE)
  ? readFileSync(FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { question: string; answer: string })
  : []

/** The `#### N` answer with separators removed. */
const gold = (solution: string) => solution.slice(solution.lastIndexOf('####') + 4).trim().replace(/,/g, '')
const withSeparators = (n: string) => n.replace(/^(-?)(\d+)/, (_, s: string, d: string) => s + Number(d).toLocaleString('en-US'))

describe.skipIf(rows.length === 0)('GSM8K worked examples', () => {
  const spec = verifierSpec.parse({ type: 'math' })

  it('has the 1,319 test problems', () => {
    expect(rows.length).toBe(1319)
  })

  /** Ten phrasings of a final answer `n` (sep: with thousands separators). */
  const phrasings = (n: string, sep: string) => [
    `Let me think.\nSo the total is \\boxed{${n}}.`,
    `Adding these up gives ${n} in all. The answer is ${n}.`,
    `We get ${sep} altogether.\n#### ${sep}`,
    `So she makes $${sep} in total.\n**Answer:** ${n} dollars`,
    `Final answer: ${sep} miles per hour`,
    `The answer is $\\$${sep}$.`,
    `Therefore, the total is **${sep}**.`,
    `<think>First ${n} + 1 = ${Number(n) + 1}? No.</think>\nThey have ${sep} DVDs in all.`,
    `The final answer is $${sep}$. I hope it is correct.`,
    `So it takes ${n} minutes, and the answer is ${sep} minutes.`,
  ]

  it('every answer scores 1 in ten phrasings, and a neighbouring problem answer 0 in each', async () => {
    const failures: string[] = []
    let separated = 0
    for (let i = 0; i < rows.length; i++) {
      const n = gold(rows[i].answer)
      let j = (i + 1) % rows.length
      while (gold(rows[j].answer) === n) j = (j + 1) % rows.length
      const other = gold(rows[j].answer)
      const sep = withSeparators(n)
      if (sep !== n) separated++
      const good = phrasings(n, sep)
      const bad = phrasings(other, withSeparators(other))
      // The reference is the full solution text: the verifier takes its `#### N`.
      const v = await verifyGroup(spec, { reference: rows[i].answer, completions: [...good, ...bad] })
      const want = [...good.map(() => 1), ...bad.map(() => 0)]
      if (v.status !== 'ok' || v.rewards.some((r, k) => r !== want[k]))
        failures.push(`#${i} gold ${n} other ${other}: ${JSON.stringify(v.rewards)} ${v.details.map((d) => d.reason).join(' | ')}`)
    }
    expect(failures.slice(0, 5)).toEqual([])
    expect(separated).toBeGreaterThan(50) // the separator form really differs for many answers
  }, 120_000)

  /** R1-style endings whose final answer is `final` after `dropped` was written and given up (corrected, ruled out, a
   * made-up next problem's, or checked). */
  const secondThoughts = (final: string, dropped: string) => [
    `So the answer is ${dropped}. Wait, actually it's ${final}.`,
    `\\boxed{${dropped}}. Wait, no, \\boxed{${final}}.`,
    `The answer is \\boxed{${final}}, not \\boxed{${dropped}}.`,
    `So the answer is ${final}.\n\nQuestion: What comes next?\nAnswer: The answer is ${dropped}.`,
    `\\boxed{${final}}\n\nWait, let me verify: ${final} fits every condition.`,
  ]
  /** Endings that commit to neither value (a hedge) or to none (a retraction). */
  const uncommitted = (a: string, b: string) => [
    `The answer is ${a}. Hmm, but maybe it is ${b}?`,
    `\\boxed{${a}}, but it might be ${b}`,
    `It is ${a} apples, or maybe ${b} apples.`,
    `\\boxed{${a}}. Wait, that is wrong.`,
  ]

  it('in R1-style endings the answer kept scores 1, the one given up 0, and a hedge or a retraction 0 (before: each given-up value scored 1)', async () => {
    const failures: string[] = []
    for (let i = 0; i < rows.length; i++) {
      const n = gold(rows[i].answer)
      let j = (i + 1) % rows.length
      while (gold(rows[j].answer) === n) j = (j + 1) % rows.length
      const other = gold(rows[j].answer)
      const good = secondThoughts(n, other)
      const bad = [...secondThoughts(other, n), ...uncommitted(n, other), ...uncommitted(other, n)]
      const v = await verifyGroup(spec, { reference: rows[i].answer, completions: [...good, ...bad] })
      const want = [...good.map(() => 1), ...bad.map(() => 0)]
      if (v.status !== 'ok' || v.rewards.some((r, k) => r !== want[k]))
        failures.push(`#${i} gold ${n} other ${other}: ${JSON.stringify(v.rewards)}`)
    }
    expect(failures.slice(0, 5)).toEqual([])
  }, 120_000)
})
