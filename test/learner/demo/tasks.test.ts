/** The demo's task sources: the built-in arithmetic generator and a user's JSONL file + verifier option. */
import { describe, expect, it } from 'vitest'
import { arithmeticTask, evaluate } from '../../../learner/demo/arith.js'
import { parseTaskLines, parseVerifierOption, splitHeldOut } from '../../../learner/demo/tasks-file.js'

describe('arithmetic task', () => {
  it('evaluates with precedence (hand-worked)', () => {
    expect(evaluate([2, 2, 6], ['+', '*'])).toBe(14)
    expect(evaluate([2, 3, 4], ['*', '-'])).toBe(2)
    expect(evaluate([9, 8, 7, 6], ['-', '*', '+'])).toBe(-41)
    expect(evaluate([5, 0], ['*'])).toBe(0)
  })

  it('makes distinct prompts whose answers check out, with a disjoint held-out split, reproducibly', () => {
    const a = arithmeticTask({ train: 500, heldOut: 50, seed: 7 })
    expect(a.train).toHaveLength(500)
    expect(a.heldOut).toHaveLength(50)
    const all = [...a.train, ...a.heldOut]
    expect(new Set(all.map((x) => x.prompt)).size).toBe(550)
    for (const { prompt, answer } of all) {
      const m = /^Calculate (\d)([+\-*])(\d)([+\-*])(\d)=$/.exec(prompt)
      expect(m, prompt).not.toBeNull()
      // independent reference: JavaScript's own precedence
      expect(answer).toBe(String(Function(`return ${m![1]}${m![2]}${m![3]}${m![4]}${m![5]}`)()))
    }
    expect(arithmeticTask({ train: 500, heldOut: 50, seed: 7 })).toEqual(a)
    expect(arithmeticTask({ train: 500, heldOut: 50, seed: 8 }).heldOut).not.toEqual(a.heldOut)
  })

  it('refuses impossible sizes and bad options', () => {
    expect(() => arithmeticTask({ terms: 2, maxOperand: 2, ops: '+', train: 10 })).toThrow(/only 9 distinct/)
    expect(arithmeticTask({ terms: 2, maxOperand: 2, ops: '+-', train: 15, heldOut: 3 }).train).toHaveLength(15) // the whole space
    expect(() => arithmeticTask({ terms: 5 })).toThrow(/terms/)
    expect(() => arithmeticTask({ ops: '/' })).toThrow(/ops/)
  })
})

describe('task file', () => {
  it('reads JSONL prompt/answer lines and holds 10 % out', () => {
    const text = Array.from({ length: 40 }, (_, i) => JSON.stringify({ prompt: `p${i}`, answer: i })).join('\n') + '\n'
    const items = parseTaskLines(text)
    expect(items[3]).toEqual({ prompt: 'p3', answer: '3' })
    const s = splitHeldOut(items, 1)
    expect(s.heldOut).toHaveLength(4)
    expect(s.train).toHaveLength(36)
    expect(new Set([...s.train, ...s.heldOut].map((x) => x.prompt)).size).toBe(40)
  })

  it('names the bad line', () => {
    expect(() => parseTaskLines('{"prompt":"a","answer":"1"}\n{"prompt":"b"}\n', 'f.jsonl')).toThrow(/f\.jsonl:2: "answer"/)
    expect(() => parseTaskLines('{"prompt":"a","answer":"1"}\nnot json\n', 'f.jsonl')).toThrow(/f\.jsonl:2: not JSON/)
  })

  it('validates --verifier with the verifier library', () => {
    expect(parseVerifierOption('{"type":"numeric","abs":0.5}')).toMatchObject({ type: 'numeric', abs: 0.5 })
    expect(() => parseVerifierOption('{"type":"nope"}')).toThrow(/--verifier/)
    expect(() => parseVerifierOption('{oops')).toThrow(/neither a JSON spec/)
  })
})
