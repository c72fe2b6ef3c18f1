/**
 * GSM8K worked examples (../shared/data/gsm8k_test.jsonl, MIT, 1,319 problems): each reference's `#### N` answer
 * verifies as equal to itself written three other ways — `\boxed{N}`, "The answer is N.", and with thousands
 * separators — and as unequal to a neighbouring problem's (different) answer, through the full `math` verifier.
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

  it('every answer equals itself written three other ways and differs from a neighbour', async () => {
    const failures: string[] = []
    let separated = 0
    for (let i = 0; i < rows.length; i++) {
      const n = gold(rows[i].answer)
      let j = (i + 1) % rows.length
      while (gold(rows[j].answer) === n) j = (j + 1) % rows.length
      const other = gold(rows[j].answer)
      const sep = withSeparators(n)
      if (sep !== n) separated++
      const completions = [
        `Let me think.\nSo the total is \\boxed{${n}}.`,
        `Adding these up gives ${n} in all. The answer is ${n}.`,
        `We get ${sep} altogether.\n#### ${sep}`,
        `Therefore the answer is \\boxed{${other}}.`,
      ]
      // The reference is the full solution text: the verifier takes its `#### N`.
      const v = await verifyGroup(spec, { reference: rows[i].answer, completions })
      const want = [1, 1, 1, 0]
      if (v.status !== 'ok' || v.rewards.some((r, k) => r !== want[k]))
        failures.push(`#${i} gold ${n} other ${other}: ${JSON.stringify(v.rewards)} ${v.details.map((d) => d.reason).join(' | ')}`)
    }
    expect(failures).toEqual([])
    expect(separated).toBeGreaterThan(50) // the separator form really differs for many answers
  })
})
