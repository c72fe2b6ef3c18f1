/**
 * Adversarial completions against every text verifier: ~250 KB inputs built to trigger quadratic scans or
 * catastrophic backtracking (`\boxed` + a quarter-million spaces, thousands of unclosed `\(`, fences, braces,
 * tags…). Before the linear rewrites, `\boxed` + spaces took 170 s in `math` and unclosed `\(` 15 s in
 * `language`. The bound asserted is deliberately loose (a hang detector, not a speed target; the real figures
 * are tens of ms).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { mathEqual, verifierSpec, verifyGroup } from '../../verifiers/index.js'

const N = 250_000
const INPUTS: Record<string, string> = {
  'boxed+spaces': '\\boxed' + ' '.repeat(N) + '$',
  'unclosed \\(': '\\('.repeat(N / 2),
  fences: '```\n'.repeat(N / 4),
  dollars: '$a'.repeat(N / 2),
  'unclosed \\boxed{': '\\boxed{'.repeat(N / 7),
  'answer is': 'the answer is '.repeat(N / 14),
  tags: '</answer><answer>'.repeat(N / 17),
  'thousands commas': '1,'.repeat(N / 2),
  digits: '1'.repeat(N),
  'unclosed \\text{': '\\text{'.repeat(N / 6),
  letters: 'A '.repeat(N / 2),
  backslashes: '\\'.repeat(N),
  // Hedge joins and an answer's clause: a modal clause repeated between two numbers, boxes or spans, and a long
  // word after the number an answer cue reads (both blew up exponentially in a first version: seconds at 10 repeats).
  'modal hedges': '1' + ' or it might be'.repeat(N / 15) + ' x 2',
  'modal hedges between boxes': '\\boxed{1}' + ', but it could also be'.repeat(N / 22) + ' x \\boxed{2}',
  'answer cue, one long word': 'The answer is 1 ' + 'a'.repeat(N) + ' 2.',
  // Second thoughts after an anchored answer (the text after it is read again, once).
  'second thoughts after a box': '\\boxed{1}' + '. Wait, no'.repeat(N / 10) + ' 2',
  // 20,000 boxes of one kind: the search for the other kind ran from every box to the end (1.5 s before).
  'many boxes': 'x \\boxed{1} '.repeat(N / 12),
  'many fboxes, negated': 'not \\fbox{1} '.repeat(N / 14),
  'hedges between values': '1' + ' apples, or maybe'.repeat(N / 17) + ' 2',
  'retractions after a box': '\\boxed{1}' + '. Wait, that is wrong'.repeat(N / 21),
  'made-up next problems': 'The answer is 1.\n\nQuestion: '.repeat(N / 30),
  'a long ratio chain': 'It is ' + '1:'.repeat(N / 2) + '1x',
  'part out of whole': '1 out of '.repeat(N / 9) + '2',
  'a check after the answer': 'The answer is 1. Wait, let me verify: ' + '1 + '.repeat(N / 4) + '1',
}
const SPECS = [
  { type: 'math' },
  { type: 'numeric' },
  { type: 'choice' },
  { type: 'format', partialCredit: true },
  { type: 'language', language: 'en' },
  { type: 'json-schema', schema: { type: 'object' } },
  { type: 'code-syntax', language: 'javascript' },
  { type: 'code-syntax', language: 'python' },
  { type: 'exact', stripPunctuation: true },
  { type: 'regex', pattern: '\\d+\\.\\d+' },
  { type: 'length', max: 100, buffer: 10 },
]

describe('adversarial completions', () => {
  // The CAS library loads once per process (seconds on a busy machine) and the verifier does not count its load
  // against the budget; load it first so the bound below measures the verifier, not the import.
  beforeAll(async () => {
    await mathEqual('x+1', '1+x')
  }, 60_000)

  it.each(SPECS)('$type stays bounded on every pathological input', async (spec) => {
    const parsed = verifierSpec.parse(spec)
    for (const [name, text] of Object.entries(INPUTS)) {
      const t = performance.now()
      const reference = spec.type === 'numeric' ? '3' : 'A'
      const v = await verifyGroup(parsed, { reference, completions: [text] }, { timeoutMs: 60_000 })
      const ms = performance.now() - t
      expect(v.details[0].status, name).toBe('ok')
      expect(ms, `${spec.type} on ${name}`).toBeLessThan(3000)
    }
  })
})
