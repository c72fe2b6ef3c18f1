/** The math verifier: extraction, normalisation, equivalence paths, asymmetry, limits and adversarial inputs. */
import { describe, expect, it } from 'vitest'
import { extractAnswer, mathEqual, normalizeAnswer, verifierSpec } from '../../verifiers/index.js'
import { evaluate, type Json } from '../../verifiers/math/evaluate.js'
import { fastParse } from '../../verifiers/math/fast.js'
import { rewards, score } from './helpers.js'

describe('extractAnswer', () => {
  it('takes the last boxed answer with nested braces; adjacent boxes are one list', () => {
    expect(extractAnswer('first \\boxed{1} then \\boxed{\\frac{1}{2}}')?.answer).toBe('\\frac{1}{2}')
    expect(extractAnswer('so \\boxed{1} or \\boxed{2}.')?.answer).toBe('1, 2')
    expect(extractAnswer('so \\boxed{\\frac{\\sqrt{3}}{2}}.')).toMatchObject({ answer: '\\frac{\\sqrt{3}}{2}', by: 'boxed' })
    expect(extractAnswer('\\boxed 7')?.answer).toBe('7')
  })
  it('GSM8K ####, <answer> tags, "the answer is", last number — in the configured order', () => {
    expect(extractAnswer('work\n#### 1,234\n')).toMatchObject({ answer: '1,234', by: 'hash' })
    expect(extractAnswer('<think>2+2</think><answer> 4 </answer>')).toMatchObject({ answer: '4', by: 'answer-tag' })
    expect(extractAnswer('So the answer is $3.5$. Done')).toMatchObject({ answer: '3.5', by: 'answer-is' })
    expect(extractAnswer('I had 3 apples and ate 1, leaving 2')).toMatchObject({ answer: '2', by: 'last-number' })
    expect(extractAnswer('The answer is 5. \\boxed{6}')?.answer).toBe('6') // one group: the later one wins
    expect(extractAnswer('The answer is 5. \\boxed{6}', ['answer-is', 'latex', 'boxed'])?.answer).toBe('5')
    expect(extractAnswer('no numbers here')).toBeNull()
    expect(extractAnswer('7 apples', ['boxed'])).toBeNull()
  })
  it('a sentence in a non-Latin script is prose, not the answer: its last number is (lighteval multilingual cases)', () => {
    expect(extractAnswer('因此，弗兰克一共有**858颗**糖果。')).toMatchObject({ answer: '858', by: 'last-number' })
    expect(extractAnswer('لذا، ناتج العملية الحسابية 55 * 3 - 99 هو **66**.')?.answer).toBe('66')
    expect(extractAnswer(' 地块面积 = 72000 / 18 = 4000千克')?.answer).toBe('4000')
    expect(extractAnswer('इसलिए, दुकान में अब 67 कमीजें हैं।')?.answer).toBe('67')
    // Inside \text{} it is a unit word, as English ones are; Greek letters are symbols.
    expect(extractAnswer('\\boxed{300 \\text{分钟}}')).toMatchObject({ answer: '300 \\text{分钟}', by: 'boxed' })
    expect(extractAnswer('2θ + π')?.answer).toBe('2θ + π')
  })
  it('one word alone is an answer, in any position; a sentence is not (NeMo-Skills `odd` = `\\text{odd}`)', async () => {
    expect(extractAnswer('odd')).toMatchObject({ answer: 'odd', by: 'last-number' })
    expect(extractAnswer('\\boxed{Evelyn}')?.answer).toBe('Evelyn')
    expect(extractAnswer('The answer is even.')?.answer).toBe('even')
    expect(extractAnswer('no numbers here')).toBeNull()
    expect(await rewards({ type: 'math' }, '\\text{odd}', ['odd', 'even', 'oddd', 'It is odd'])).toEqual([1, 0, 0, 0])
  })
  it('restores LaTeX commands whose backslash a JSON or Python string read as an escape', async () => {
    // \f → form feed, \b → backspace, \v → vertical tab, \a → bell: characters with no use in text.
    expect(extractAnswer('so \x08oxed{\x0crac{1}{2}}')?.answer).toBe('\\frac{1}{2}')
    expect(extractAnswer('$\\left(2, \x0crac{\\pi}{2}\\right)$')?.answer).toBe('\\left(2, \\frac{\\pi}{2}\\right)')
    expect(await rewards({ type: 'math' }, '\x0crac{1}{2}', ['\\boxed{0.5}', '\\boxed{\x0bec{v}}', '\\boxed{\x07lpha}'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\alpha', ['\\boxed{\x07lpha}'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '$\\begin{pmatrix}-\\\x0crac{7}{4}&-2\\\\4&\\frac{1}{4}\\end{pmatrix}$', ['$\\begin{pmatrix}-\\frac{7}{4}&-2\\\\4&\\frac{1}{4}\\end{pmatrix}$'])).toEqual([1])
    // A tab or a carriage return is whitespace in text, as Math-Verify reads it (its test_symbols: tab + `ext{13}` ≠ 13).
    expect(await rewards({ type: 'math' }, '$\text{13}$', ['$13$'])).toEqual([0])
    expect(extractAnswer('Steps:\n\tthen we add\r\nso 7')?.answer).toBe('7')
  })
  it('treats identical repeated boxes as one answer', () => {
    expect(extractAnswer('\\boxed{4} ... so \\boxed{4}')?.answer).toBe('4')
  })
  it('an equation chain through commands the CAS never sees is its last side (AReaL cases)', () => {
    expect(extractAnswer('$\\lim_{x \\to 0} \\frac{\\sin x}{x} = 1$')).toMatchObject({ answer: '1', by: 'latex' })
    expect(extractAnswer('$17 \\bmod 5 = 2$')?.answer).toBe('2')
    expect(extractAnswer('\\boxed{\\int_0^1 2t\\,dt = 1}')?.answer).toBe('1')
    // Not when the last side itself is not readable, nor when the brackets do not balance.
    expect(extractAnswer('$\\lim_{x \\to 1} f(x) = 3 + \\lim g$')).toBeNull()
    expect(extractAnswer('$\\lim_{x \\to 1 f(x) = 3$')).toBeNull()
  })
})

describe('normalizeAnswer', () => {
  it.each([
    ['$1{,}000$', '1000'],
    ['\\$1,234,567', '1234567'],
    ['90^{\\circ}', '90'],
    ['\\left( 1, 2 \\right)', '(1, 2)'],
    ['5 \\text{ cm}', '5'],
    ['12 \\text{ apples}', '12'], // words after the value are commentary (NeMo-Skills: 17\text{ any text} = 17)
    ['2\\text{ thousand}', '2 thousand'], // … unless they change the value
    ['3\\text{ squared}', '3 squared'],
    ['[45 degrees]', '[45]'], // a spelled-out unit inside a tuple or interval (AReaL's geometry3k answers)
    ['(3 meters, 4 meters)', '(3, 4)'],
    ['(2 m, 3 n)', '(2 m, 3 n)'], // … not a one-letter one: it may be a variable there
    ['12 dollars.', '12'],
    ['\\dfrac12', '\\frac{1}{2}'],
    ['\\sqrt2', '\\sqrt{2}'],
    ['.5', '0.5'],
    ['3 \\text{ or } 4', '3, 4'],
  ])('%s → %s', (input, want) => {
    expect(normalizeAnswer(input).text).toBe(want)
  })
  it('remembers percent signs', () => {
    expect(normalizeAnswer('50\\%')).toEqual({ text: '50', percent: true })
  })
})

describe('mathEqual', () => {
  it.each([
    ['\\frac{1}{2}', '0.5', 'rational'],
    ['1000', '1,000', 'text'],
    ['2\\sqrt{2}', '\\sqrt{8}', 'cas'],
    ['x^2+2x+1', '(x+1)^2', 'cas'],
    ['3', 'x = 3', 'text'],
    ['\\{1,2\\}', '\\{2,1\\}', 'text'],
    ['x > 3', '(3,\\infty)', 'text'],
    ['1.5\\times10^{3}', '1500', 'rational'],
    ['3\\frac{1}{2}', '7/2', 'rational'],
    ['C', 'C. x = 42', 'text'], // an option label is its letter (NeMo-Skills), either side
    ['(B) 7', 'B', 'text'],
  ])('%s ≡ %s via %s', async (g, p, path) => {
    const r = await mathEqual(g, p)
    expect(r.equal).toBe(true)
    expect(r.path).toBe(path)
  })
  it.each([
    ['2', '2, 3'],
    ['2', '2 \\text{ or } 3'],
    ['2', '\\{2, 4\\}'],
    ['(1,2)', '(2,1)'],
    ['[1,2)', '[1,2]'],
    ['87367946', '87,367,996'],
    ['\\frac{1}{3}', '0.333'],
    ['x', 'y'],
    ['\\frac{1}{2}', '\\frac{1}{'],
    ['B', 'C. x = 42'],
    ['C', 'C.5'],
  ])('%s ≢ %s', async (g, p) => {
    expect((await mathEqual(g, p)).equal).toBe(false)
  })
  it('honours a tolerance option', async () => {
    expect((await mathEqual('\\frac{1}{3}', '0.333')).equal).toBe(false)
    expect((await mathEqual('\\frac{1}{3}', '0.333', { tolerance: { rel: 0, abs: 1e-3 } })).equal).toBe(true)
    expect((await mathEqual('\\pi', '3.1416', { tolerance: { rel: 1e-4, abs: 0 } })).equal).toBe(true)
  })
  it('can run without the CAS (fast paths only)', async () => {
    const r = await mathEqual('2\\sqrt{2}', '\\sqrt{8}', { cas: false })
    expect(r).toMatchObject({ equal: false, reason: 'needs the CAS (disabled)' })
  })
})

describe('math verifier', () => {
  it('scores a group: right, wrong, hedging, no answer', async () => {
    const v = await score({ type: 'math' }, '\\frac{3}{4}', [
      'We get \\boxed{0.75}.',
      'We get \\boxed{\\frac{4}{3}}.',
      'It is \\boxed{0.75} or \\boxed{\\frac{4}{3}}.',
      'I do not know.',
    ])
    expect(v.status).toBe('ok')
    expect(v.rewards).toEqual([1, 0, 0, 0])
    expect(v.details[0].extracted).toBe('0.75')
    expect(v.details[3].reason).toBe('no final answer found')
  })
  it('takes the gold answer out of a full reference solution', async () => {
    expect(await rewards({ type: 'math' }, 'Half of 10 is 5.\n#### 5', ['\\boxed{5}', '\\boxed{10}'])).toEqual([1, 0])
  })
  it('never reveals the reference in its details', async () => {
    const v = await score({ type: 'math' }, 'SECRET-42', ['\\boxed{7}', 'nothing'])
    expect(JSON.stringify(v)).not.toContain('SECRET')
  })
  it('rejects unknown spec fields and bad extractors', () => {
    expect(verifierSpec.safeParse({ type: 'math', extract: ['boxed'] }).success).toBe(true)
    expect(verifierSpec.safeParse({ type: 'math', extrac: ['boxed'] }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'math', extract: ['guess'] }).success).toBe(false)
    expect(verifierSpec.safeParse({ type: 'math', tolerance: { rel: 2 } }).success).toBe(false)
  })
  it('a missing reference is a verifier error, not a silent 0', async () => {
    const v = await score({ type: 'math' }, null, ['\\boxed{1}'])
    expect(v.status).toBe('error')
    expect(v.rewards).toEqual([null])
  })
})

describe('math adversarial inputs', () => {
  it('huge completions score 0 with a reason, quickly', async () => {
    const t = performance.now()
    const v = await score({ type: 'math' }, '3', ['1'.repeat(300_000), `${'9 '.repeat(100_000)}\\boxed{3}`])
    expect(v.rewards).toEqual([0, 1])
    expect(v.details[0].reason).toMatch(/completion too long/)
    expect(performance.now() - t).toBeLessThan(5000) // a generous bound: the real figure is a few ms
  })
  it('over-long or deeply nested answers are rejected before the CAS', async () => {
    const deep = '{'.repeat(40) + '1' + '}'.repeat(40)
    expect((await score({ type: 'math' }, '1', [`\\boxed{${deep}}`])).details[0].reason).toMatch(/nested too deeply/)
    const long = Array.from({ length: 300 }, (_, i) => `${i}`).join('+')
    expect((await score({ type: 'math' }, '1', [`\\boxed{${long}}`])).details[0].reason).toMatch(/answer too long/)
  })
  it('answers that would make the CAS iterate or build huge numbers are not evaluated', async () => {
    for (const p of ['\\prod_{k=1}^{100000} k', '9^{9^{9^{9}}}', '\\binom{100000}{50000}', '\\frac{7^{1000000}}{3}', '\\sum_{n=1}^{1000000000} n']) {
      const r = await mathEqual('3', p)
      expect(r.equal).toBe(false)
      expect(r.reason).toMatch(/^not compared/)
    }
  })
  it('an unbalanced \\boxed does not hang or throw', async () => {
    expect(await rewards({ type: 'math' }, '3', ['\\boxed{' + '{'.repeat(10_000), '\\boxed{3'])).toEqual([0, 1])
  })
  it('the group time budget turns late completions into errors', async () => {
    let t = 0
    const v = await score({ type: 'math', cas: false }, '3', ['\\boxed{3}', '\\boxed{3}', '\\boxed{3}'], { now: () => (t += 600), timeoutMs: 1000 })
    expect(v.details.map((d) => d.status)).toEqual(['ok', 'error', 'error'])
    expect(v.status).toBe('error')
    expect(v.details[1].reason).toBe('time budget exceeded')
  })
})

describe('fast LaTeX subset (fast.ts) against the float evaluator', () => {
  it('reads precedence, implicit products, one-token exponents and functions as LaTeX does', () => {
    const at = (s: string, vars: Record<string, number> = {}) => {
      const t = fastParse(s)
      expect(t, s).not.toBeNull()
      return evaluate(t as Json, vars)
    }
    expect(at('2+3\\cdot 4^2')).toBe(50)
    expect(at('-x^2', { x: 3 })).toBe(-9)
    expect(at('x^2y', { x: 2, y: 3 })).toBe(12) // one-token exponent: x² · y
    expect(at('2\\sqrt{2}x', { x: 1 })).toBeCloseTo(2 * Math.SQRT2, 12)
    expect(at('\\frac{1}{2}(x+1)', { x: 3 })).toBe(2)
    expect(at('\\sqrt[3]{8}')).toBeCloseTo(2, 12)
    expect(at('\\sin^2 x+\\cos^2 x', { x: 0.7 })).toBeCloseTo(1, 12)
    expect(at('e^{x}', { x: 1 })).toBeCloseTo(Math.E, 12)
    expect(at('v_0 r_{0}', { v_0: 2, r_0: 5 })).toBe(10)
  })
  it('leaves ambiguous or unknown forms to the CAS', () => {
    for (const s of ['1/2x', '\\sin 2x', '2\\frac{1}{2}', '3+2i', '|x|', '5!', '204_5', '2 3', '\\int x', 'x^-1', 'x^23'])
      expect(fastParse(s), s).toBeNull()
  })
})

describe('hedging', () => {
  it('several answers in one final sentence or adjacent boxes never match one gold', async () => {
    expect(await rewards({ type: 'math' }, '4', ['The answer is $3$ or $4$.', 'so \\boxed{3}, \\boxed{4}', 'The answer is 3 or 4.', 'The answer is $4$.'])).toEqual([0, 0, 0, 1])
    expect(await rewards({ type: 'math' }, '\\{3, 4\\}', ['The answer is $3$ or $4$.', 'so \\boxed{3}, \\boxed{4}'])).toEqual([1, 1])
  })
  it('numbers joined by "or" at the end of prose are a hedge too, in any language', async () => {
    const hedges = ['It is 12 or 13', 'Either 12 or 13 apples.', '答案是12或13', 'La réponse : 12 ou 13', 'so 13, or 12']
    expect(await rewards({ type: 'math' }, '13', hedges)).toEqual([0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '12, 13', hedges.slice(0, 3))).toEqual([1, 1, 1])
    // Earlier numbers joined by "or" do not make the final one a hedge; a self-correction is not one; one value
    // written two ways is one answer.
    expect(await rewards({ type: 'math' }, '15', ['after 1 or 2 more steps it is 15', 'I got 12, then corrected it to 15'])).toEqual([1, 1])
    expect(await rewards({ type: 'math' }, '1/2', ['The probability is 1/2, or 0.5', 'so 1/2 or 0.6'])).toEqual([1, 0])
  })
  it('numbers joined by maybe / perhaps / possibly hedge as "or" does, in prose and after "the answer is"', async () => {
    const hedges = ['It could be 3, maybe 4.', 'maybe 3, maybe 4', 'The answer is 3, or perhaps 4.', 'It is either 3 or possibly 4', 'Es ist 3, vielleicht 4']
    expect(await rewards({ type: 'math' }, '4', hedges)).toEqual([0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '3, 4', hedges)).toEqual([1, 1, 1, 1, 1])
    // The same in LaTeX spans and boxes: `$3$ or $4$` and `\boxed{3}, maybe \boxed{4}` are lists, as `\boxed{3} or \boxed{4}` was.
    const latex = ['It is $3$ or $4$.', 'It could be $3$, maybe $4$.', 'The answer is $3$, or perhaps $4$.', '\\boxed{3}, maybe \\boxed{4}']
    expect(await rewards({ type: 'math' }, '4', latex)).toEqual([0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '3, 4', latex)).toEqual([1, 1, 1, 1])
    expect(await rewards({ type: 'math' }, '4', ['for $n = 3$, $f(n) = 4$', 'We get $3$ and then $4$.'])).toEqual([1, 1])
    // Not a hedge: a self-correction, a later sentence, a number that only counts steps.
    expect(await rewards({ type: 'math' }, '4', ['3? No wait, 4.', 'Not 3 but 4', 'Maybe after 2 more steps: 4'])).toEqual([1, 1, 1])
  })
  it('a modal clause offering another value is a hedge too: it matches neither value alone', async () => {
    const modal = ['I think 3, but it might be 4', 'It could be 3 or it could be 4', 'The answer is 3, although it may be 4.', 'The answer is probably 4, but it could also be 3.']
    expect(await rewards({ type: 'math' }, '4', modal)).toEqual([0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '3', modal)).toEqual([0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '3, 4', modal)).toEqual([1, 1, 1, 1])
    // Between boxes and between LaTeX spans of an answer sentence too.
    const latex = ['The answer is \\boxed{3}, but it might be \\boxed{4}.', 'The answer is $3$, but it could also be $4$.', 'It is $3$, but it might be $4$.']
    expect(await rewards({ type: 'math' }, '4', latex)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '3, 4', latex)).toEqual([1, 1, 1])
    // Not a hedge: a later assertion, or the same value written another way.
    expect(await rewards({ type: 'math' }, '4', ['It might be 3 at first, but it is 4'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '3', ['The answer is 3, but it may be written as 3/1'])).toEqual([1])
  })
  it('in prose the last numbers joined by "and" are a list, and a hedge may open a bracket; LaTeX spans joined by "and" are not a list', async () => {
    const lists = ['The solutions are 3 and 5.', 'The value lies between 3 and 5.', '3 und 5', 'The answer is 3 (or 5 if we count the start).', 'It is 3 (or maybe 5)']
    expect(await rewards({ type: 'math' }, '5', lists)).toEqual([0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '3, 5', lists.slice(0, 1))).toEqual([1])
    expect(await rewards({ type: 'math' }, '5', ['She has 3 apples and 5 oranges', 'The area is 12 and the perimeter is 5', '$1$ and $5$', 'It is 5 (i.e. 5.0)'])).toEqual([1, 1, 1, 1])
  })
  it('a value right after a negation is ruled out, not the answer (before: `4, not 3` scored 1 against 3)', async () => {
    const negated = ['The answer is 4, not 3.', 'It is 4, not 3', 'So we get 4 rather than 3', 'The answer is 4 (not 3).', 'The answer is $4$, not $3$.', '$x = 4$, not $3$']
    expect(await rewards({ type: 'math' }, '3', negated)).toEqual([0, 0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '4', negated)).toEqual([1, 1, 1, 1, 1, 1])
    expect(await rewards({ type: 'math' }, '12', ['So the count is 12, which is not 0.', 'It cannot be 6, so it is 12'])).toEqual([1, 1])
    expect(await rewards({ type: 'math' }, '6', ['It cannot be 6', "x isn't 6", 'x is not equal to 6'])).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '3', ['答案是4，不是3', 'Die Antwort ist 4, nicht 3.', 'La réponse est 4, pas 3.'])).toEqual([0, 0, 0])
    // An exclusion too: the value named is the one left out.
    expect(await rewards({ type: 'math' }, '3', ['x can be any real number except 3', 'All values other than 3 work.', 'every number apart from 3', 'excluding 3'])).toEqual([0, 0, 0, 0])
  })
  it('each value of a list keeps its own percent sign (1/2 or 50%: one value written two ways)', async () => {
    const both = ['1/2 or 50%', 'The answer is 1/2 or 50%.', '\\boxed{\\frac12} or \\boxed{50\\%}']
    expect(await rewards({ type: 'math' }, '50\\%', both)).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '0.5', both)).toEqual([1, 1, 1])
    // Values that differ stay a hedge: 1/2 is not 50, and 1/3 is not 50%.
    expect(await rewards({ type: 'math' }, '50', both)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '50\\%', ['50% or 1/3', '20% or 50%'])).toEqual([0, 0])
    expect(normalizeAnswer('1/2 or 50%')).toEqual({ text: '1/2, 50\\%', percent: false })
    expect(normalizeAnswer('20% or 30%')).toEqual({ text: '20, 30', percent: true })
  })
  it('a box followed by = or × is an operand, not the answer (a MATH problem defining \\boxed{n} as a function)', async () => {
    const text = 'Both $\\boxed{11}=2$ and $\\boxed{20}=6$, so $\\boxed{11}\\times\\boxed{20}=12$ and $\\boxed{12}=6$. Therefore, $6$ is our answer.'
    expect(await rewards({ type: 'math' }, '6', [text, '$1+1=\\boxed{2}$ so \\boxed{6}'])).toEqual([1, 1])
    expect(await rewards({ type: 'math' }, '12', [text])).toEqual([0])
    expect(extractAnswer('so $1+1=\\boxed{2}$.')?.answer).toBe('2')
  })
  it('a number inside a LaTeX group written in prose is not an answer; after an answer cue the expression is read whole', async () => {
    // Before: the denominator of an undelimited \frac (or an exponent) was the "last number": 3 scored 1 here.
    const prose = ['So the probability is \\frac{1}{3} overall.', 'we get x^{3} in the end, so', 'The side is \\sqrt{3} units long.']
    expect(await rewards({ type: 'math' }, '3', prose)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '1/3', ['So the answer is \\frac{1}{3} overall.', '答案：每份应该是 (\\frac{1}{3}) 吨。'])).toEqual([1, 1])
    expect(await rewards({ type: 'math' }, '3', ['So the answer is \\frac{1}{3} overall.'])).toEqual([0])
    // Braces that never close, braces that are no LaTeX group (a JSON object), and thousands groups are unchanged.
    expect(await rewards({ type: 'math' }, '3', ['\\boxed{3'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '42', ['{"answer": 42}'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '1000', ['It costs 1{,}000 dollars'])).toEqual([1])
  })
  it('a colon after ####; a Chinese answer cue (答案是 / 答案为) ends at a full-width stop', async () => {
    expect(extractAnswer('####: 55')).toMatchObject({ answer: '55', by: 'hash' })
    expect(extractAnswer('所以，答案是x^2')).toMatchObject({ answer: 'x^2', by: 'answer-is' })
    expect(extractAnswer('答案为13。我们验算一下：3+10=13')).toMatchObject({ answer: '13', by: 'answer-is' })
    expect(await rewards({ type: 'math' }, '13', ['答案是12或13', '答案是13个苹果。', '答案是 12，也许 13'])).toEqual([0, 1, 0])
  })
  it('every value listed equal to the reference is one answer written several ways, not a hedge', async () => {
    const same = ['The answer is 1/2 or 0.5', '\\boxed{\\frac12} or \\boxed{0.5}', 'The answer is 1/2 or 0.6', '$\\pm \\frac{1}{2}$']
    expect(await rewards({ type: 'math' }, '\\frac{1}{2}', same)).toEqual([1, 1, 0, 0])
  })
})

describe('words, truth values and ±', () => {
  it('a word answer does not depend on its capital; yes/no are true/false (DART-Math: `no` = `false`, `White` = `white`)', async () => {
    expect(await rewards({ type: 'math' }, 'White', ['white', '\\text{White}', 'black', 'Whites'])).toEqual([1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, 'no', ['false', 'False', 'No', 'yes', 'true'])).toEqual([1, 1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\text{Yes}', ['True', 'YES', 'no'])).toEqual([1, 1, 0])
    // Letters that may be variables or names keep their case: a segment AB is not the product ab.
    expect(await rewards({ type: 'math' }, 'AB', ['ab', 'AB'])).toEqual([0, 1])
  })
  it('one ± inside an expression is the expression with + and with − (a list, never one of them)', async () => {
    const gold = '\\frac{1-\\sqrt{17}}{4},\\frac{1+\\sqrt{17}}{4}'
    expect(await rewards({ type: 'math' }, gold, ['\\(\\frac{1\\pm\\sqrt{17}}{4}\\)', '$\\frac{1+\\sqrt{17}}{4}$', '$\\frac{1\\pm\\sqrt{13}}{4}$'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\frac{1+\\sqrt{17}}{4}', ['$\\frac{1\\pm\\sqrt{17}}{4}$'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '\\pm\\frac{1}{2}', ['$\\frac{\\pm 1}{2}$'])).toEqual([1])
  })
})

describe('numbers in prose with a scale word or in a ratio', () => {
  it('a scale word after a number applies (`5 million` is 5000000, never 5); `2 squared` is 4; a ratio or clock time is no number of its own', async () => {
    const scaled = ['The answer is 5 million.', 'The population is 5 million people.', 'It is 5,000 thousand']
    expect(await rewards({ type: 'math' }, '5000000', scaled)).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '5', scaled)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '4', ['The answer is 2 squared.', 'The ratio is 3:4', 'It is 3:04 pm'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '3', ['She bought 3 dozen eggs', 'Step 1: 3'])).toEqual([1, 1])
  })
  it('a ratio or clock time in prose is read whole (`The ratio is 3:4.` read nothing); it matches a ratio, not a fraction', async () => {
    const ratio = ['The ratio is 3:4.', 'So boys to girls is 3:4', 'It is 2:3:4 at first, then 3:4.']
    expect(await rewards({ type: 'math' }, '3:4', ratio)).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '\\frac{3}{4}', ratio.slice(0, 1))).toEqual([0])
    expect(await rewards({ type: 'math' }, '4', ratio)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '10:30', ['The train leaves at 10:30.', 'It is not 10:30 but 11:30.'])).toEqual([1, 0])
  })
  it('`3 out of 4` is the fraction 3/4 (it read 4, the whole); a bound (`at least 3`, `at most 7`) reads its number', async () => {
    const part = ['3 out of 4', '3 out of 4 students passed.', 'So 3 out of every 4.']
    expect(await rewards({ type: 'math' }, '\\frac{3}{4}', part)).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '4', part)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '3', ['Out of 4 students, 3 passed.'])).toEqual([1])
    // A chance of `1 in 4` too, next to a word of chance only (`3 in 2020` is no fraction).
    const chance = ['There is a 1 in 4 chance.', 'The probability is 1 in 4.']
    expect(await rewards({ type: 'math' }, '\\frac{1}{4}', chance)).toEqual([1, 1])
    expect(await rewards({ type: 'math' }, '4', chance)).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '2020', ['He scored 3 in 2020.'])).toEqual([1])
    // A bound is read as its number, as Math-Verify and Qwen2.5-Math's extract_answer read it: `He needs at least 3
    // boxes` answers "the least number of boxes"; it never matches an interval or inequality reference.
    expect(await rewards({ type: 'math' }, '3', ['He needs at least 3 boxes.', 'The answer is at least 3.', 'The answer is 3 or more.'])).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '7', ['at most 7'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '[3, \\infty)', ['at least 3'])).toEqual([0])
  })
})

describe('the answer right after an answer cue', () => {
  it('a number right after the cue, closing its clause, is the answer; later numbers explain it (before: the last was read)', async () => {
    const first = ['The answer is 220 dollars, to be paid within 12 months.', 'The answer is 5 apples, found in 3 steps.', 'The answer is 12 (since 3 × 4 = 12)']
    expect(await rewards({ type: 'math' }, '220', first.slice(0, 1))).toEqual([1])
    expect(await rewards({ type: 'math' }, '12', first)).toEqual([0, 0, 1])
    expect(await rewards({ type: 'math' }, '3', first.slice(1, 2))).toEqual([0])
    // Not when the later numbers are its operands, and a hedge after it stays one.
    expect(await rewards({ type: 'math' }, '5', ['The answer is 10% of 50, which is 5', 'The answer is 3 times 4 minus 7, so 5', 'The answer is 3, or perhaps 5.'])).toEqual([1, 1, 0])
    // A scale word belongs to its number when numbers are joined: both values of a hedge keep their scale.
    expect(await rewards({ type: 'math' }, '6000000', ['It is 5 million or 6 million'])).toEqual([0])
  })
})

describe('dollar signs as currency', () => {
  it('a `$` right before a digit opens an amount and closes no LaTeX span (Pandoc\'s rule): the last amount is read', async () => {
    const money = ['Janet sells 16 - 3 - 4 = 9 eggs at $2 each, so she makes $18 every day.', 'She makes 9 * $2 = $18 every day.', 'The hat is $5 and the shirt is $18']
    expect(await rewards({ type: 'math' }, '18', money)).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '9', money.slice(0, 1))).toEqual([0])
    // LaTeX spans are unchanged, a space inside the closing `$` included.
    expect(await rewards({ type: 'math' }, '18', ['She makes $9 \\times 2 = 18$ dollars.', 'Answer $ 18 $', '$\\frac{36}{2} $'])).toEqual([1, 1, 1])
  })
})

describe('a trailing \\text after a value', () => {
  it('is a unit or label even when one letter (lighteval: `\\frac{1}{3} \\text{x}` = 1/3); the upright constants i and e are values', async () => {
    expect(await rewards({ type: 'math' }, '1/3', ['$\\frac{1}{3} \\text{x}$', '$\\frac{1}{3} \\textbf{x}$', '\\frac{1}{3}\\text{x}', '\\frac{1}{3}x'])).toEqual([1, 1, 1, 0])
    expect(await rewards({ type: 'math' }, '\\frac{x}{3}', ['\\frac{1}{3}\\text{x}', '\\frac{1}{3}x'])).toEqual([0, 1])
    expect(await rewards({ type: 'math' }, '5', ['5\\text{m}', '5\\text{i}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '2i', ['2\\text{i}'])).toEqual([1])
  })
})

describe('infinity spelled out', () => {
  it('`infinity`, `Infinity` and `inf` are ∞, also as an interval bound; the sign is kept (AISBench: `infinity` → `\\infty`)', async () => {
    expect(await rewards({ type: 'math' }, '\\infty', ['infinity', 'Infinity', 'inf', '-infinity', 'The limit goes to infinity.'])).toEqual([1, 1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, '-\\infty', ['-infinity', 'infinity'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '[0, \\infty)', ['[0, inf)', '[0, infinity]', '(0, infinity)'])).toEqual([1, 0, 0])
  })
})

describe('units after a variable, short variable pairs, plain functions, computations', () => {
  it('a spelled-out unit after an expression ending in a variable or bracket is dropped (also "per" a word)', async () => {
    expect(await rewards({ type: 'math' }, '\\frac{x}{12}\\times7\\text{dollars}', ['\\frac{7}{12}\\times x\\ \\text{dollars}', '\\frac{1}{12}\\left(7x\\right)\\ \\text{dollars}', '\\frac{5x}{12} dollars'])).toEqual([1, 1, 0])
    expect(await rewards({ type: 'math' }, '\\frac{6\\pi}{x}', ['6\\pi \\left(\\frac{1}{x}\\right)\\ \\text{radians}\\ \\text{per}\\ \\text{second}', '6\\pi x radians per second'])).toEqual([1, 0])
  })
  it('a two-letter word attached to an operator is a product (c-by), not prose; sin(x) without a backslash is mathematics', async () => {
    expect(await rewards({ type: 'math' }, 'x=\\frac{c-by}{a}', ['x=\\left(c-by\\right)\\div a', 'x=\\frac{1}{a}\\left(-by+c\\right)', 'x=\\frac{c+by}{a}'])).toEqual([1, 1, 0])
    expect(extractAnswer('x = 3 is it')?.answer).toBe('3') // standing alone, "is" and "it" are still prose
    expect(extractAnswer("it's 5")?.answer).toBe('5')
    expect(await rewards({ type: 'math' }, 'sin(x)', ['sin(x)', 'cos(x)', 'the sin'])).toEqual([1, 0, 0])
  })
  it('an equation on numbers only is a computation: its value is its last side', async () => {
    expect(await rewards({ type: 'math' }, '72\\div12=6\\text{eggs}', ['72\\div12=(3+3)\\text{eggs}', '6', '72\\div12=7'])).toEqual([1, 1, 0])
    // With a variable it stays an equation.
    expect(await rewards({ type: 'math' }, '2x=6', ['x=3', '6'])).toEqual([1, 0])
  })
})

describe('math spec switches', () => {
  it('strict compares the assigned variable; precision rounds like Math-Verify', async () => {
    expect(await rewards({ type: 'math' }, '$x = 3$', ['$y = 3$', '$3$'])).toEqual([1, 1])
    expect(await rewards({ type: 'math', strict: true }, '$x = 3$', ['$y = 3$', '$x=3$', '$3$'])).toEqual([0, 1, 1])
    expect(await rewards({ type: 'math' }, '$\\frac{8}{3}$', ['$2.6667$'])).toEqual([0])
    expect(await rewards({ type: 'math', precision: 2 }, '$\\frac{8}{3}$', ['$2.6667$', '$2.68$'])).toEqual([1, 0])
  })

  it('setRelation lets an inequality answer an interval; a percent word glued to a number is a percent', async () => {
    const ineq = ['$-2 \\le x \\le 7$', '$-2 < x \\le 7$', '$x \\in [-2,7]$']
    expect(await rewards({ type: 'math' }, '$x \\in [-2,7]$', ineq)).toEqual([0, 0, 1])
    expect(await rewards({ type: 'math', setRelation: true }, '$x \\in [-2,7]$', ineq)).toEqual([1, 0, 1])
    expect(await rewards({ type: 'math' }, '0.28', ['28pct', '28percent', '28 percentage', '28'])).toEqual([1, 1, 1, 0])
    expect(await rewards({ type: 'math' }, '40/900', ['4 4/9pct', '4 4/9'])).toEqual([1, 0])
  })

  it('a made-up next chat turn ends the completion; a signed interval bound is not a thousands group', async () => {
    const turn = 'So $b = \\boxed{\\frac{5}{3}}$. <|im_start|>user Another one? <|im_start|>assistant $x = \\boxed{8}$.'
    expect(await rewards({ type: 'math' }, '5/3', [turn, '<|im_start|>assistant The answer is $\\frac{5}{3}$.'])).toEqual([1, 1])
    expect(await rewards({ type: 'math' }, '8', [turn])).toEqual([0])
    expect(await rewards({ type: 'math' }, '$[-36,104]$', ['$[-36, 104]$', '$[-36104]$', '$(-36, 104]$'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '$-36,104$', ['$-36104$'])).toEqual([1])
  })

  it('a bare 0,1 in prose is the decimal against a number and the pair against a list, both ways round', async () => {
    // Math-Verify's test_number_extraction pins the decimal comma with either side bare: `1,22` = 1.22, `1000,99` = 1000.99.
    expect(await rewards({ type: 'math' }, '0,1', ['0.1', '\\frac{1}{10}', '0.01', '0, 1'])).toEqual([1, 1, 0, 1])
    expect(await rewards({ type: 'math' }, '0.1', ['0,1', 'It is 0,1.', '0, 1', '(0,1)'])).toEqual([1, 1, 0, 0])
    // lm-evaluation-harness' minerva tests pin `0, 1` = `0,1`: against a list or tuple the bare form is the pair.
    expect(await rewards({ type: 'math' }, '0, 1', ['0,1', 'The roots are 0,1', '0.1', '0,2'])).toEqual([1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, '(1,2)', ['1,2', '1.2'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '0,1', ['\\boxed{0,1}', '\\boxed{1,0}', '$(0, 1)$'])).toEqual([1, 1, 1])
    // Written in LaTeX or with a space it is a list only; a thousands group stays a number.
    expect(await rewards({ type: 'math' }, '\\boxed{0,1}', ['0.1'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '1,234', ['1234', '1.234'])).toEqual([1, 0])
    // Two bare forms must agree as decimals and as pairs: 0,1 and 0,10 are equal decimals but different pairs.
    expect(await rewards({ type: 'math' }, '0,1', ['0,1', '0,10', '1,0'])).toEqual([1, 0, 0])
  })

  it('a sum or product compares by its bounds and its term, never evaluated', async () => {
    const gold = '$F_n = \\sum_{k=0}^{n-1} F_k F_{n-k-1}$'
    const preds = ['$F_n = \\sum_{k=0}^{n-1} F_{n-k-1} F_k$', '$F_n = \\sum_{k=0}^{n-2} F_k F_{n-k-2}$', '$F_n = \\sum_{j=0}^{n-1} F_j F_{n-j-1}$']
    expect(await rewards({ type: 'math' }, gold, preds)).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '$\\sum_{k=1}^n (k+1)$', ['$\\sum_{k=1}^{n} \\left(1+k\\right)$', '$\\sum_{k=1}^n k + 1$', '$\\prod_{k=1}^n (k+1)$'])).toEqual([1, 0, 0])
    // Not read (sizing commands inside, as Math-Verify cannot read it): the number written after it is the answer.
    expect(await rewards({ type: 'math' }, '42', ['Final answer is $\\sum_{k=0}^n\\bigl(k\\bigr)$. I hope. 42'])).toEqual([1])
  })
})

describe('second thoughts after an anchored answer (R1-style self-correction)', () => {
  it('a correction after the answer replaces it; a hedge after it makes a list no single gold matches', async () => {
    const corrected = ["The answer is 5. Wait, actually it's 6.", 'Answer: 5. Actually, no: 6.', 'The answer is 5. No wait, 6.', '\\boxed{5}. Wait, actually it is 6.', "The answer is $5$. Wait, it's $6$."]
    expect(await rewards({ type: 'math' }, '6', corrected)).toEqual([1, 1, 1, 1, 1])
    expect(await rewards({ type: 'math' }, '5', corrected)).toEqual([0, 0, 0, 0, 0])
    // Before: each read 5 (Math-Verify and Qwen2.5-Math's extract_answer read 5 for the boxed one too).
    const hedged = ['\\boxed{5}, but it might be 6', '\\boxed{5} or 6', 'The answer is 5. Hmm, but maybe it is 6?']
    expect(await rewards({ type: 'math' }, '5', hedged)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '6', hedged)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '5, 6', hedged)).toEqual([1, 1, 1])
  })
  it('a check that names the answer again leaves it; one that does not gives the value it ends on', async () => {
    const kept = ['So the answer is 12. Wait, let me recheck. 3 × 4 = 12. Yes, 12.', 'The answer is 12. Wait, let me verify: 12 × 3 = 36.', 'The answer is 12. No other value works.', 'The answer is \\boxed{12}. Hmm, nice.']
    expect(await rewards({ type: 'math' }, '12', kept)).toEqual([1, 1, 1, 1])
    // A check or musing that ends on another value without saying the answer was wrong leaves both open (a list); a
    // correction cue (`Wait, it's 6`) does not.
    const open = ['The answer is 5. Let me recheck: 2 + 4 = 6.', '\\boxed{5}\n\nHmm, let me also consider the case x = 0: then the count is 0.']
    expect(await rewards({ type: 'math' }, '6', open.slice(0, 1))).toEqual([0])
    expect(await rewards({ type: 'math' }, '0', open.slice(1))).toEqual([0])
    expect(await rewards({ type: 'math' }, '5', open)).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '6', ['The answer is 5. Wait, 5 is too small; it is 6.', 'The answer is 5. Hmm, no: 6.'])).toEqual([1, 1])
    // Only a second thought re-opens the answer: a sentence after it that is not one is commentary.
    expect(await rewards({ type: 'math' }, '12', ['The answer is 12. It took 3 steps.', '\\boxed{12}. We used 3 steps.'])).toEqual([1, 1])
    // `No` opens a second thought only as an interjection (`No, 6.`, `No: 6`, `No wait, 6`), not as a determiner: `No
    // other value works because 4 fails` read 4, and `\\boxed{5}. No other solution exists since x > 3.` read 3.
    const determiner = ['The answer is 5. No other value works because 4 fails.', 'Thus \\boxed{5}. No other solution exists since x > 3.', 'So \\boxed{5}. No two of the 4 cases give more.']
    expect(await rewards({ type: 'math' }, '5', determiner)).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '4', [determiner[0], determiner[2]])).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '3', determiner.slice(1, 2))).toEqual([0])
    // A correction replaces the answer only with a value it gives as the answer (asserted, anchored, or right after the
    // cue); one it only mentions leaves the answer open: a list, which matches neither.
    const mentioned = ['The answer is 12. Actually, we can also see this from 3 × 4.', '\\boxed{12}. Wait, actually the 4 rows hold 3 each.']
    expect(await rewards({ type: 'math' }, '4', mentioned)).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '3', mentioned)).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '15', ['The answer is 12. Wait, I made a mistake: the total is 15.', 'The answer is 12. Oops, I mis-added: 7 + 8 = 15.'])).toEqual([1, 1])
  })
  it('a box right after a negation is ruled out, as a number there is (`\\boxed{4}, not \\boxed{3}` read 3)', async () => {
    const preds = ['The answer is \\boxed{4}, not \\boxed{3}.', 'It is 4, not \\boxed{3}.', 'It is $\\boxed{4}$, not $\\boxed{3}$.', 'The answer is not \\boxed{3}; it is \\boxed{4}.']
    expect(await rewards({ type: 'math' }, '3', preds)).toEqual([0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '4', preds)).toEqual([1, 1, 1, 1])
  })
})

describe('hedges and retractions around the final value', () => {
  it('the last two values of prose with a hedge between them are a list (before: the last one scored 1)', async () => {
    const hedged = ['It is 5. Hmm, or maybe 6.', 'It is 5 apples, or maybe 6 apples.', 'The answer should be 5. Hmm, but maybe it is 6?', 'The answer is 5 apples or 6 apples.', 'So we get 5 cookies. Hmm, actually I think it might be 6.', 'The answer is 5. But I am not sure; it could be 6.']
    expect(await rewards({ type: 'math' }, '6', hedged)).toEqual([0, 0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '5', hedged)).toEqual([0, 0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '5, 6', hedged)).toEqual([1, 1, 1, 1, 1, 1])
    // Not a noun phrase with "or", nor a modal about something else, nor a conditional after the answer.
    const kept = ['She has 5 apples or oranges left, so 12 fruits.', 'Each of the 4 sides could be 12 cm long.', 'The answer is 12. However, if we count the 3 extra, it would be 15.']
    expect(await rewards({ type: 'math' }, '12', kept)).toEqual([1, 1, 1])
    // A bare `or` hedges between values of one unit; between units it restates one value (the last is read).
    expect(await rewards({ type: 'math' }, '0.25', ['That gives 15 minutes, or 0.25 hours.', 'It is 5 apples or 0.25 apples'])).toEqual([1, 0])
  })
  it('an answer the text then calls wrong, with no value after, is no answer; with one, that value is', async () => {
    const retracted = ['I initially got \\boxed{12} but that is incorrect.', '\\boxed{12}. Wait, that is wrong.', 'So it is 12. Wait, that is wrong.', 'The answer is 12. I made a mistake.']
    expect(await rewards({ type: 'math' }, '12', retracted)).toEqual([0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '13', ['\\boxed{12}, but that is wrong; it is 13.', 'So it is 12. Wait, that is wrong: it is 13.'])).toEqual([1, 1])
    // A question is no retraction, and naming the answer again keeps it.
    expect(await rewards({ type: 'math' }, '12', ['\\boxed{12}. Wait, is that wrong? No, it is right.', 'The answer is 12. I made a mistake earlier, but 12 is right.'])).toEqual([1, 1])
  })
})

describe('a made-up next problem after the answer', () => {
  it('ends the completion when the text before it concludes (lm-eval gsm8k/minerva and Qwen2.5-Math stop there)', async () => {
    const runOn = [
      'So the answer is 18.\n\nQuestion: John has 5 apples and eats 2. How many are left?\nAnswer: John has 5 - 2 = 3 apples left. The answer is 3.',
      'Final Answer: The final answer is $18$. I hope it is correct.\n\nProblem:\nFind $x$ if $2x=8$.\n\nSolution:\n$x=4$. Final Answer: The final answer is $4$. I hope it is correct.',
      '#### 18\n\nQuestion: What is 2+2?\n#### 4',
      'so \\boxed{18}.\n\n### Problem 2\nHow many?\nThe answer is 4',
    ]
    expect(await rewards({ type: 'math' }, '18', runOn)).toEqual([1, 1, 1, 1])
    expect(await rewards({ type: 'math' }, '3', runOn.slice(0, 1))).toEqual([0])
    // A problem restated before any answer is part of the solution.
    expect(await rewards({ type: 'math' }, '12', ['Let me read: we have 3 boxes.\n\nProblem: how many apples?\n\nSolution: 3 x 4 = 12 apples.', '### Problem\nFind x.\n### Solution\nThe answer is 12.'])).toEqual([1, 1])
  })
})

describe('side remarks after the answer (eighth session)', () => {
  it('a correction replaces the answer only with a value it asserts as the answer, not a variable\'s value it mentions', async () => {
    // Before: each read 2 (the `=` or `is` after the cue was taken as a correction), scoring a wrong 2 as right.
    const remark = ['So the answer is \\boxed{12}. Actually, this also matches the case n = 2.', 'So the answer is \\boxed{12}. Actually, this also matches the case where n is 2.', 'The answer is 12. Wait, actually for $n = 2$ too.', '\\boxed{12}. Wait, actually x = 2.']
    expect(await rewards({ type: 'math' }, '2', remark)).toEqual([0, 0, 0, 0])
    // Still corrections: the value asserted as the answer, a computation's result, the answer's own variable.
    const corrected = ['\\boxed{12}. Actually, the answer is 2.', "\\boxed{12}. Actually, it's 2.", '\\boxed{12}. Wait, actually 1 + 1 = 2.', '\\boxed{x = 12}. Wait, actually x = 2.', '\\boxed{12}. No wait, 2.']
    expect(await rewards({ type: 'math' }, '2', corrected)).toEqual([1, 1, 1, 1, 1])
    expect(await rewards({ type: 'math' }, '12', [...remark, ...corrected])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0])
  })
  it('a question after the answer that the text answers "no" keeps the answer; answered otherwise it stays open', async () => {
    // Before: a list of 60 and 5 (the question hedged), scoring the right 60 as 0.
    const kept = ['\\boxed{60}. But wait — should we subtract the 5 rotten apples? No, the question asks for all apples, so no.', 'The answer is 60. Hmm, should it be 55? No: nothing was removed.', '\\boxed{60}. Wait, do we need the 3 extra? No.']
    expect(await rewards({ type: 'math' }, '60', kept)).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '55', kept)).toEqual([0, 0, 0])
    // Not answered "no", or "no" then a correction or a value, or a question about correctness: never one answer alone.
    const open = ['\\boxed{60}. But wait — should we subtract the 5 rotten apples? Yes.', '\\boxed{60}. Should it be 55? No wait, I forgot the rotten ones.', '\\boxed{60}. Wait, 5 are rotten. Should we recount? No.', '\\boxed{60}. Should it be 55? No doubt it should.', '\\boxed{60}. Should it be 55? No, it is 55.', '\\boxed{60}. Or is it $55$? Yes.']
    expect(await rewards({ type: 'math' }, '60', open)).toEqual([0, 0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '55', open)).toEqual([0, 0, 0, 0, 0, 0])
    // A question that only mentions a number, or rules another value out, is no second thought.
    expect(await rewards({ type: 'math' }, '60', ['\\boxed{60}. Does that match the 12 × 5 grid? Yes.', '\\boxed{60}. Is 55 correct? No, it is wrong.'])).toEqual([1, 1])
  })
  it('an answer the text asks "is that right?" about and answers "no" is retracted (before: `Is 60 right? No.` kept 60)', async () => {
    const denied = ['\\boxed{60}. Wait, is 60 right? No.', '\\boxed{60}. Is that right? No.', 'So it is 60. Is that correct? No, I forgot the tax.', 'The answer is $60$. Is $60$ correct? No.', '\\boxed{60}. Is that right? No, it is 55.']
    expect(await rewards({ type: 'math' }, '60', denied)).toEqual([0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '13', ['So it is 12. Is that right? No, it is 13.'])).toEqual([1])
    // Assent, a turn after the `No`, or a question about another value or about the answer being wrong: not retracted.
    const kept = ['\\boxed{60}. Is that right? Yes.', '\\boxed{60}. Is that right? No, wait, it is.', '\\boxed{60}. Is that wrong? No.']
    expect(await rewards({ type: 'math' }, '60', kept)).toEqual([1, 1, 1])
  })
})

describe('a check after the answer, answered by the text itself (eighth session)', () => {
  it('a check of the result answered "yes", or another value offered as the answer and answered "no", keeps the answer', async () => {
    // Before: each a list of the answer and the question's number (a question naming a value opened a second thought),
    // scoring the right 60 as 0.
    const kept = [
      '\\boxed{60}. Is that reasonable given 5 apples per basket? Yes.',
      '\\boxed{60}. Is 60 divisible by 5? Yes, so each basket gets 12.',
      'So the answer is 60. Does this match 12 baskets of 5? Yes, it does.',
      '\\boxed{60}. Could the answer be 55? No.',
      '\\boxed{60}. Hmm, is it 55? No.',
    ]
    expect(await rewards({ type: 'math' }, '60', kept)).toEqual([1, 1, 1, 1, 1])
    expect(await rewards({ type: 'math' }, '55', kept)).toEqual([0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '12', kept)).toEqual([0, 0, 0, 0, 0])
    // Open (a list, right for neither): a value offered and accepted, a mistake admitted, a change affirmed, a value
    // after the yes that the check did not name, the answer itself offered and turned down, `No` then a turn.
    const open = [
      '\\boxed{60}. Should it be 55? Yes.',
      '\\boxed{60}. Is it 55 instead? Yes.',
      '\\boxed{60}. Did I double count the 5? Yes.',
      '\\boxed{60}. Should we subtract the 5 rotten ones? Yes.',
      '\\boxed{60}. Is that reasonable given 5 per basket? Yes, 55 is.',
      '\\boxed{60}. Could the answer be 55? No wait, yes.',
      '\\boxed{60}. Is that consistent with 55 apples? Yes, so it is 55.',
      '\\boxed{60}. Should we subtract 5? No wait, yes: 55.',
      '\\boxed{60}. Should we subtract 5? No — so it is 55.',
      '\\boxed{60}. Should we subtract 5? Nope, the answer is wrong anyway.',
    ]
    expect(await rewards({ type: 'math' }, '60', open)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '60', ['\\boxed{60}. Is the answer 60? No.'])).toEqual([0])
  })
})

describe('parts of a whole and ratios in words (eighth session)', () => {
  it('`x to y` after the word ratio or odds is the ratio x:y, `x in every y` the fraction x/y (each read y before)', async () => {
    const ratio = ['The ratio of boys to girls is 3 to 4.', 'So the ratio is 3 to 4', 'The odds are 3 to 4 against.']
    expect(await rewards({ type: 'math' }, '3:4', ratio)).toEqual([1, 1, 1])
    expect(await rewards({ type: 'math' }, '4', ratio)).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '\\frac{1}{4}', ['So 1 in every 4 students wears glasses.'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '4', ['So 1 in every 4 students wears glasses.'])).toEqual([0])
    // A range or a change is not a ratio, nor `to` after a ratio in another sentence; `1 in 4 students` is left as the
    // other graders read it (its last number; Math-Verify and Qwen2.5-Math's extract_answer read no proportion).
    expect(await rewards({ type: 'math' }, '4', ['It rose from 3 to 4.', 'The ratio was 2:1. Then it went from 3 to 4.', 'The answer is 3 to 4 hours later, so 4', 'The ratio rose from 3 to 4.']))
      .toEqual([1, 1, 1, 1])
  })
  it('numbers inside a pair of currency signs around prose are prose (lighteval: `how many $? just about 1$`)', async () => {
    expect(await rewards({ type: 'math' }, '1', ['how many $? just about 1$'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '2', ['I paid $1 and got 2$ back.', 'how many $? just about 1$'])).toEqual([1, 0])
    // Mathematics between dollar signs stays mathematics: its numbers are not read one by one.
    expect(await rewards({ type: 'math' }, '3', ['So $x^2 + 3$.', '$\\frac{1}{3}$'])).toEqual([0, 0])
  })
})

describe('tolerance bounds (eighth session)', () => {
  it('a difference exactly at the tolerance is within it, float rounding aside (evalscope: 1.01 against 1 with abs 0.01)', async () => {
    // Before: 1.01 − 1 is 0.010000000000000009 in floats, so each scored 0 against its own inclusive bound.
    expect(await rewards({ type: 'math', tolerance: { rel: 0, abs: 0.01 } }, '1', ['1.01', '0.99', '1.010001', '1.02', '0.989'])).toEqual([1, 1, 0, 0, 0])
    expect(await rewards({ type: 'math', tolerance: { rel: 0, abs: 0.01 } }, '0.75', ['Answer: 0.74 m', 'Answer: 0.76 m', 'Answer: 0.739 m'])).toEqual([1, 1, 0])
    expect(await rewards({ type: 'math', tolerance: { rel: 0, abs: 1e-12 } }, '3.63 \\cdot 10^{-11}', ['3.73 \\cdot 10^{-11}', '3.7301 \\cdot 10^{-11}'])).toEqual([1, 0])
    // No tolerance stays exact: the default does not widen.
    expect(await rewards({ type: 'math' }, '87367946', ['87367996', '87367946.1'])).toEqual([0, 0])
    expect(await rewards({ type: 'numeric', abs: 0.01 }, '1', ['\\boxed{1.01}', '\\boxed{1.0101}'])).toEqual([1, 0])
  })
})

describe('an upright unit after a value (eighth session)', () => {
  it('a trailing `\\mathrm{…}` after a value is a unit as `\\text{…}` is, also after a thin space (evalscope measure_bench)', async () => {
    // Before: `\\frac{48}{5}\\,\\mathrm{A}` and `9.6\\,\\text{A}` scored 0 against 9.6 (the letter was read as a variable).
    const unit = ['\\boxed{\\frac{48}{5}\\,\\mathrm{A}}', '\\boxed{\\frac{48}{5} \\mathrm{A}}', '\\boxed{9.6\\mathrm{A}}', '\\boxed{9.6\\,\\text{A}}', '\\boxed{9.6\\,\\mathrm{km}}']
    expect(await rewards({ type: 'math' }, '9.6', unit)).toEqual([1, 1, 1, 1, 1])
    // An italic letter may be a variable, `\\mathrm{e}` is the constant, and a word that changes the value is kept.
    expect(await rewards({ type: 'math' }, '9.6', ['\\boxed{\\frac{48}{5} A}', '\\boxed{9.6\\mathrm{e}}', '\\boxed{9.6\\,\\mathrm{more than}}'])).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '9.6e', ['\\boxed{9.6\\mathrm{e}}'])).toEqual([1])
  })
})

describe('a text that is only a list of LaTeX spans (eighth session)', () => {
  it('is one list, read whole: a reference `$\\frac{1}{3}$ , 0` no longer accepts `0` alone (evalscope olympiad_bench)', async () => {
    expect(await rewards({ type: 'math' }, '$\\frac{1}{3}$ , 0', ['1/3,0', '\\boxed{0}', '0', '\\boxed{\\frac{1}{3}}'])).toEqual([1, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '4', ['$3$, $4$'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '3, 4', ['$3$, $4$'])).toEqual([1])
    // Words between spans keep the old readings (`$1$ and $2$` gives 2, as Math-Verify pins).
    expect(await rewards({ type: 'math' }, '2', ['$1$ and $2$', '$3$, $2$ apples'])).toEqual([1, 1])
  })
})

describe('a unit per another unit after a value (eighth session)', () => {
  it('`m/s`, `kg/m^3` after a number are units as `m` and `kg` are (evalscope measure_bench: `\\boxed{0.75 kg/m^3}` scored 0)', async () => {
    const unit = ['\\boxed{0.75 kg/m^3}', '\\boxed{0.75 m/s}', '\\boxed{0.75\\,\\mathrm{kg/m^3}}', '\\boxed{0.75 m/s^2}', '\\boxed{0.75 g/cm^3}']
    expect(await rewards({ type: 'math' }, '0.75', unit)).toEqual([1, 1, 1, 1, 1])
    // Not a quotient of variables, a unit over a variable, or a division written without a space.
    expect(await rewards({ type: 'math' }, '0.75', ['\\boxed{0.75 x/y}', '\\boxed{0.75 kg/x}', '\\boxed{0.75/s}'])).toEqual([0, 0, 0])
  })
})

describe('LaTeX named spaces (ninth session)', () => {
  it('`\\thinspace`, `\\medspace`, `\\thickspace`, `\\negthinspace`, `\\negmedspace`, `\\negthickspace`, `\\enspace` are spaces (sympy test_latex: `a \\thickspace b` is ab)', async () => {
    // Before: an answer holding one was no answer at all (an unknown command), so `a \\thickspace b` scored 0 against a*b.
    const spaced = ['\\boxed{a \\thickspace b}', '\\boxed{a \\negmedspace b}', '\\boxed{a \\negthinspace b}', '\\boxed{a \\medspace b}', '\\boxed{a\\enspace b}']
    expect(await rewards({ type: 'math' }, 'a*b', spaced)).toEqual([1, 1, 1, 1, 1])
    // `\\thinspace` between digit groups is a thousands separator, as `\\,` is; the value must still be the right one.
    expect(await rewards({ type: 'math' }, '1000', ['\\boxed{1\\thinspace000}', '\\boxed{1\\thinspace001}', '\\boxed{1\\medspace000} is wrong, it is \\boxed{999}'])).toEqual([1, 0, 0])
    // A space is no operator, and a longer command is not a space.
    expect(await rewards({ type: 'math' }, 'a+b', ['\\boxed{a \\thickspace b}', '\\boxed{a \\thickspace+\\thickspace b}'])).toEqual([0, 1])
    expect(await rewards({ type: 'math' }, 'a*b', ['\\boxed{a \\thickspacex b}'])).toEqual([0])
  })
})

describe('plain function names and Greek letters (ninth session)', () => {
  it('`sin(theta)`, `exp(x)`, `asin(a)`, `2*pi` are the functions and letters, not products of letters (sympy test_latex)', async () => {
    // Before: `sin(theta)` read as s·i·n·t·h·e·t·a and never matched `\\sin \\theta`; `exp(1)` never matched e.
    expect(await rewards({ type: 'math' }, 'sin(theta)', ['\\boxed{\\sin \\theta}', '\\boxed{\\sin(\\theta)}', '\\boxed{\\cos \\theta}'])).toEqual([1, 1, 0])
    expect(await rewards({ type: 'math' }, 'sin(a)*cos(b)', ['\\boxed{\\sin a \\cos b}', '\\boxed{\\sin a \\sin b}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, 'e', ['exp(1)', 'exp(2)'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '\\frac{\\pi}{2}', ['\\boxed{asin(1)}', '\\boxed{pi/2}', '\\boxed{atan(1)}', '\\boxed{pi}'])).toEqual([1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\pi r^2', ['pi*r^2', 'pi*r^3', '2 pi r'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\sin(2x)', ['2sin(x)cos(x)', '2sin(x)'])).toEqual([1, 0])
    // Must not fire: a name inside a longer word, a retracted or questioned box, a word standing alone (it may be a
    // name), and plain `log` (base 10 on a calculator, e in SymPy: left unread).
    expect(await rewards({ type: 'math' }, '\\tan x', ['basin(x)', 'cosine(x)'])).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '\\sin x', ['\\boxed{sin(x)} Let me check. Actually the answer is \\boxed{cos(x)}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '2\\pi', ['\\boxed{2 pi}? No wait, it is \\boxed{pi}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '\\beta', ['beta'])).toEqual([0])
    expect(await rewards({ type: 'math' }, 'Beta', ['beta'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '2', ['log(100)'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '\\frac{\\sqrt{2}}{2}', ['sin(45)'])).toEqual([0]) // radians
  })
})

describe('what a superscript takes (ninth session)', () => {
  it('a bracket written the plain way (`x^(1/3)`) and a fraction with its arguments (`x^\\frac{1}{2}`) are the whole exponent', async () => {
    // Before: `x^(1/2)` did not parse (TeX's `^` takes one token: the bracket) and `x^\\frac{1}{2}` was not comparable.
    expect(await rewards({ type: 'math' }, '\\sqrt{x}', ['x^(1/2)', '\\boxed{x^\\frac{1}{2}}', 'x^(1/3)', '\\boxed{x^\\frac{1}{3}}'])).toEqual([1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, '-1', ['e^(i*pi)'])).toEqual([1])
    // Only the first bracket is the exponent; an unclosed one is left alone; a retracted box is not read.
    expect(await rewards({ type: 'math' }, '\\sqrt{x}(x+1)', ['x^(1/2)(x+1)'])).toEqual([1])
    expect(await rewards({ type: 'math' }, 'x^{(1/2)(x+1)}', ['x^(1/2)(x+1)'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '2^{3}\\cdot 4', ['2^(3*4)', '2^(3)*4'])).toEqual([0, 1])
    expect(await rewards({ type: 'math' }, '2^{10}', ['2^(10'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '\\sqrt{x}', ['\\boxed{x^(1/2)} is wrong, it is \\boxed{x^(1/3)}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '\\frac{x^2}{3}', ['x^\\frac{2}{3}'])).toEqual([0])
  })
  it('a whole integer after a caret is the exponent (`2^10` is 1024, `x^13` is x^{13}: not TeX\'s 2^1 times 0)', async () => {
    // Before: `\\boxed{2^10}` scored 0 against 1024 (read as 2^1·0) — STACK's polynomial rows write `x^13`.
    expect(await rewards({ type: 'math' }, '1024', ['\\boxed{2^10}', '\\boxed{2^11}', 'The answer is 2^10, no wait, it is \\boxed{2^11}'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, 'x^{13}', ['\\boxed{x^13}', '\\boxed{x^{1}3}', '\\boxed{x^31}'])).toEqual([1, 0, 0])
    // A decimal exponent is left as written (its first digit is TeX's exponent); a single digit was always read.
    expect(await rewards({ type: 'math' }, '2^{1.5}', ['\\boxed{2^1.5}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '2^{10}x', ['\\boxed{2^10x}', '\\boxed{2^10}'])).toEqual([1, 0])
  })
})

describe('polynomials and rational functions compared exactly (ninth session)', () => {
  it('a constant off by one in a polynomial with large values is unequal, and a long expansion equal to its product is equal', async () => {
    const expanded = 'x^{12}+120x^{11}+6600x^{10}+220000x^9+4950000x^8+79200000x^7+924000000x^6+7920000000x^5+49500000000x^4+220000000000x^3+660000000000x^2+1200000000000x+1000000000000'
    // Before: the `+1000000000001` one scored 1 (its values differ by 1 in 10^11 at the sample points, inside float tolerance).
    expect(await rewards({ type: 'math' }, '(x+10)^{12}', [`\\boxed{${expanded}}`, `\\boxed{${expanded.replace(/000$/, '001')}}`])).toEqual([1, 0])
    // Before: STACK's expanded 13th-degree polynomial scored 0 against its product (float cancellation at x = −2.26).
    const stack = '14336000000*x^13+250265600000*x^12+1862860800000*x^11+7623925760000*x^10+18290677760000*x^9+24744757985280*x^8+14567212351488*x^7-3267871272960*x^6-6408053107200*x^5+670406720000*x^4+1179708800000*x^3-429244800000*x^2+56696000000*x-2680000000'
    expect(await rewards({ type: 'math' }, '512*(2*x+5)^7*(5*x-1)^5*(70*x+67)', [`\\boxed{${stack}}`, `\\boxed{${stack.replace(/0$/, '1')}}`])).toEqual([1, 0])
    // Exact decimals are exact rationals; a truncated one is not the fraction; a retracted box is not read.
    expect(await rewards({ type: 'math' }, 'x^2/2+3x-1', ['\\boxed{0.5x^2+3x-1}', '\\boxed{0.5x^2+3x+1}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, 'x^2/3', ['\\boxed{0.333333333333333x^2}', '\\boxed{x^2/3}'])).toEqual([0, 1])
    expect(await rewards({ type: 'math' }, '(x-1)^2', ['\\boxed{x^2-2x+1} is wrong; \\boxed{x^2-2x+2}'])).toEqual([0])
    // A widened tolerance still compares in floats (rounded coefficients pass when asked for).
    expect(await rewards({ type: 'math', tolerance: { rel: 1e-3, abs: 0 } }, 'x^2/3', ['\\boxed{0.3333x^2}'])).toEqual([1])
  })
})

describe('plain abs (ninth session)', () => {
  it('`abs(x)` is |x| (STACK\'s notation): before, an answer holding it was no answer', async () => {
    expect(await rewards({ type: 'math' }, '|x|', ['\\boxed{abs(x)}', '\\boxed{x}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '|x-2||x+2|', ['\\boxed{abs(x^2-4)}', '\\boxed{abs(x^2+4)}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '|x|<1', ['\\boxed{abs(x)<1}', '\\boxed{abs(x)<2}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '2', ['abs(-2)'])).toEqual([1])
    // Must not fire: the value without its bars, a name inside a word, an unclosed bracket, a retracted box.
    expect(await rewards({ type: 'math' }, '-2', ['abs(-2)'])).toEqual([0])
    expect(await rewards({ type: 'math' }, 'x', ['\\boxed{abs(x)}', '\\boxed{x} is wrong; \\boxed{abs(x)}'])).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '|x|', ['\\boxed{tabs(x)}', '\\boxed{abs(x}'])).toEqual([0, 0])
  })
})

describe('inequalities between expressions (ninth session)', () => {
  it('`a < b` is `b > a`, and `3x^2 < 9a` is `x^2 - 3a < 0`: compared up to a positive factor (STACK AlgEquiv)', async () => {
    // Before: `a < b` read as the interval (−∞, b) of a, `b > a` as (a, ∞) of b: unequal; `3x^2<9a` was not comparable.
    expect(await rewards({ type: 'math' }, 'b>a', ['\\boxed{a<b}', '\\boxed{a>b}', '\\boxed{b<a}', '\\boxed{a\\le b}'])).toEqual([1, 0, 0, 0])
    expect(await rewards({ type: 'math' }, 'x^2-3a<0', ['\\boxed{3x^2<9a}', '\\boxed{3x^2>9a}', '\\boxed{3x^2<9b}'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '2x<4y', ['\\boxed{x<2y}', '\\boxed{-x<-2y}', '\\boxed{-x>-2y}'])).toEqual([1, 0, 1])
    expect(await rewards({ type: 'math' }, 'x>a', ['\\boxed{a<x}', '\\boxed{x<a}'])).toEqual([1, 0])
    // Must not fire: a retracted box, another variable; a numeric bound is still an interval.
    expect(await rewards({ type: 'math' }, 'a<b', ['\\boxed{a<b} is wrong, it is \\boxed{a>b}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, 'x>y', ['\\boxed{x>z}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, 'x>3', ['\\boxed{3<x}', '\\boxed{x\\ge 3}', '(3, \\infty)'])).toEqual([1, 0, 1])
  })
  it('a relation whose variable stands alone keeps its reading as an interval: `x < \\frac{a}{2}` = (−∞, a/2)', async () => {
    expect(await rewards({ type: 'math' }, 'x<\\frac{a}{2}', ['\\boxed{(-\\infty, \\frac{a}{2})}', '\\boxed{(-\\infty, a)}', '\\boxed{2x<a}'])).toEqual([1, 0, 1])
    expect(await rewards({ type: 'math' }, '-x>a', ['\\boxed{(-\\infty,-a)}', '\\boxed{x<-a}', '\\boxed{(-a,\\infty)}'])).toEqual([1, 1, 0])
  })
})

describe('a Greek letter written plainly inside an answer (ninth session)', () => {
  it('`4*sin(theta)` and `theta*(x+y)/2` are answers, not prose (before: their last number, 4 or 2, was read)', async () => {
    expect(extractAnswer('4*sin(theta)')?.answer).toBe('4*sin(theta)')
    expect(await rewards({ type: 'math' }, '4*sin(theta)', ['\\boxed{4\\sin\\theta}', '\\boxed{4}', '\\boxed{4\\sin\\phi}'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\frac{\\theta(x+y)}{2}', ['theta*(x + y)/2', 'theta*(x - y)/2'])).toEqual([1, 0])
    // Prose that names a letter is still prose: its number is read; a retraction is not the answer.
    expect(extractAnswer('The angle theta is 30')?.answer).toBe('30')
    expect(extractAnswer('the beta version 2')?.answer).toBe('2')
    expect(await rewards({ type: 'math' }, '2\\pi', ['2*pi? No, that is wrong: 3*pi'])).toEqual([0])
  })
})

describe('inverse hyperbolic functions and \\operatorname (ninth session)', () => {
  it('`asinh(a)`, `\\arcsinh`, `\\arsinh`, `\\operatorname{artanh}` and `\\sinh^{-1}` are the inverse functions (latex2sympy2_extended)', async () => {
    // Before: `\\arcsinh(a)` and `\\operatorname{arsinh}(a)` were no answer (an unknown command, a word) and `asinh(a)` letters.
    const forms = ['\\boxed{\\sinh^{-1}(a)}', '\\boxed{\\arcsinh(a)}', '\\boxed{\\arsinh(a)}', '\\boxed{\\operatorname{arsinh}(a)}', '\\boxed{\\operatorname{arcsinh}(a)}']
    expect(await rewards({ type: 'math' }, 'asinh(a)', forms)).toEqual([1, 1, 1, 1, 1])
    expect(await rewards({ type: 'math' }, 'atanh(a)', ['\\boxed{\\operatorname{artanh}(a)}', '\\boxed{\\arctanh(a)}'])).toEqual([1, 1])
    expect(await rewards({ type: 'math' }, '\\arcsin(a)', ['\\boxed{\\operatorname{arcsin}(a)}'])).toEqual([1])
    // Must not fire: another function, the function itself for its inverse, an unknown operator name.
    expect(await rewards({ type: 'math' }, 'asinh(a)', ['\\boxed{\\operatorname{arcosh}(a)}', '\\boxed{\\sinh(a)}', '\\boxed{\\sinh(a)^{-1}}'])).toEqual([0, 0, 0])
    expect(await rewards({ type: 'math' }, '\\sin a', ['\\boxed{\\operatorname{sinus}(a)}', '\\boxed{\\operatorname{cos}(a)}'])).toEqual([0, 0])
  })
})

describe('a list of assignments against an equation (ninth session)', () => {
  it('`x = 2 or x = -2` is the equation (x−2)(x+2) = 0, roots with their multiplicity (STACK AlgEquiv)', async () => {
    // Before: a list against an equation was "different kinds" (0), though `x = 3` against `2x = 6` already matched.
    // The other way round, the solutions as the reference and the equation as the answer, is 0: the answer restates the
    // equation to solve (lead, ninth session; STACK's AlgEquiv says 1 — index.ts SOURCE_QUIRKS).
    expect(await rewards({ type: 'math' }, 'x=2 or x=-2', ['\\boxed{x^2=4}', '\\boxed{x^2-4=0}', '\\boxed{x^2=9}', '\\boxed{(x-2)^2=0}'])).toEqual([0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, 'x^2=4', ['\\boxed{x=2 or x=-2}', '\\boxed{x=2}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, 'a*b=0', ['\\boxed{a=0 or b=0}', '\\boxed{a=0 or b=1}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, 'x^2-4x+3=0', ['\\boxed{x = 1 or x = 3}', '\\boxed{x = 1 or x = -3}'])).toEqual([1, 0])
    // Must not fire: another variable, a retracted box; the values alone still match as before.
    expect(await rewards({ type: 'math' }, 'x^2=4', ['\\boxed{x=2 or y=-2}', '\\boxed{x=2 or x=-2} is wrong; \\boxed{x=2 or x=-3}'])).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, 'x=2 or x=-2', ['\\boxed{2, -2}'])).toEqual([1])
  })
})

describe('expressions with more than four variables (ninth session)', () => {
  it('up to eight variables are sampled when both sides are in the fast subset (STACK: `0=-x+y/A+(y-z)/B` has five)', async () => {
    // Before: five variables were "not comparable" (0) even for the same equation negated.
    expect(await rewards({ type: 'math' }, '0=x-y/A-(y-z)/B', ['\\boxed{0=-x+y/A+(y-z)/B}', '\\boxed{0=-x+y/A+(y-z)/C}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, 'a+b+c+d+g+h', ['\\boxed{h+g+d+c+b+a}', '\\boxed{a+b+c+d+g-h}'])).toEqual([1, 0])
    // Still refused through the engine, and still unequal when the letters differ.
    expect(await rewards({ type: 'math' }, 'v+w+x+y+z', ['\\boxed{a+b+c+A+B}'])).toEqual([0])
  })
})

describe('reciprocal hyperbolic functions and the British cosecant (ninth session)', () => {
  it('`csch`, `sech`, `coth` are functions, and `cosec` / `cosech` (plain, `\\cosec`, `\\operatorname{cosech}`) are csc and csch', async () => {
    // Before: `\\boxed{1+cosech(3*x)}` was no answer (a word) against STACK's `1+csch(3*x)`.
    expect(await rewards({ type: 'math' }, '1+csch(3*x)', ['\\boxed{1+cosech(3*x)}', '\\boxed{1+\\operatorname{cosech}(3x)}', '\\boxed{1+sech(3*x)}'])).toEqual([1, 1, 0])
    expect(await rewards({ type: 'math' }, '\\csc x', ['\\boxed{\\cosec x}', '\\boxed{cosec(x)}', '\\boxed{\\sec x}', '\\boxed{cosecant(x)}'])).toEqual([1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\sech x', ['\\boxed{\\frac{1}{\\cosh x}}', '\\boxed{\\frac{1}{\\sinh x}}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '\\coth x', ['\\boxed{\\tanh x}', '\\boxed{coth(x)}'])).toEqual([0, 1])
  })
})

describe('a determinant of a numeric matrix (ninth session)', () => {
  it('`\\det\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}` is −2, however the matrix is bracketed (sympy test_latex_lark)', async () => {
    // Before: `\\det` was an unknown command and the answer no answer at all.
    const forms = ['\\boxed{\\det \\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}}', '\\boxed{\\det{\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}}}', '\\boxed{\\det(\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix})}', '\\boxed{\\det\\left(\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}\\right)}']
    expect(await rewards({ type: 'math' }, '-2', forms)).toEqual([1, 1, 1, 1])
    // Must not fire: another value, a retracted box, an environment that is no matrix; the matrix itself is still a matrix.
    expect(await rewards({ type: 'math' }, '2', [forms[0]])).toEqual([0])
    expect(await rewards({ type: 'math' }, '-2', ['\\boxed{\\det \\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}} is wrong: \\boxed{-3}', '\\boxed{\\det \\begin{cases}1&2\\\\3&4\\end{cases}}'])).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}', ['\\boxed{\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}}', '\\boxed{-2}'])).toEqual([1, 0])
  })
})

describe('a system solution matched by its variables (ninth session, lead)', () => {
  it('`x = 3, y = 2` is not `x = 2, y = 3` (it scored 1: each assignment was its value, and {3, 2} = {2, 3})', async () => {
    const ref = 'x = 2, y = 3'
    const answers = ['\\boxed{x=2, y=3}', '\\boxed{y=3, x=2}', '\\boxed{2, 3}', '\\boxed{x=3, y=2}', 'The answer is $a = 2$ and $b = 3$.']
    expect(await rewards({ type: 'math' }, ref, answers)).toEqual([1, 1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\{x=2, y=3\\}', ['$\\boxed{\\{y=2, x=3\\}}$', '$\\boxed{\\{y=3, x=2\\}}$'])).toEqual([0, 1])
    expect(await rewards({ type: 'math' }, 'x = 1, y = 2, z = 3', ['1, 2, 3', '\\boxed{x=1, y=2, z=3}', '\\boxed{x=1, y=3, z=2}'])).toEqual([1, 1, 0])
  })

  it('roots of one variable still compare by value, however the answer numbers them', async () => {
    const answers = ['\\boxed{x = -3, x = 2}', '\\boxed{x_1 = 2, x_2 = -3}', '\\boxed{x_1 = -3, x_2 = 2}', '\\boxed{x = 2, x = 3}']
    expect(await rewards({ type: 'math' }, 'x = 2, x = -3', answers)).toEqual([1, 1, 1, 0])
  })
})

describe('an equation restated is not its solution (ninth session, lead)', () => {
  it('a solution reference against the unsolved equation scores 0 (it scored 1: `x = 3` and `x + 1 = 4` hold for the same x)', async () => {
    expect(await rewards({ type: 'math' }, 'x = 3', ['\\boxed{x + 1 = 4}', '\\boxed{2x = 6}', '\\boxed{x = 3}', '\\boxed{3 = x}', '\\boxed{3}'])).toEqual([0, 0, 1, 1, 1])
    expect(await rewards({ type: 'math' }, 'x = 2, x = -2', ['\\boxed{x^2 = 4}', '\\boxed{x = \\pm 2}'])).toEqual([0, 1])
    expect(await rewards({ type: 'math' }, 'x = 2, y = 3', ['\\boxed{x + y = 5}'])).toEqual([0])
    // Equations that are answers keep comparing as equations: a line, and an equation reference solved by the answer.
    expect(await rewards({ type: 'math' }, 'y = 2x + 1', ['\\boxed{y - 2x = 1}', '\\boxed{y = 2x - 1}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '2x = 6', ['\\boxed{x = 3}'])).toEqual([1])
  })
})

describe('a `\\\\` row break before a letter is no command (tenth session)', () => {
  it('`\\begin{pmatrix}a\\\\b\\end{pmatrix}` is a matrix of letters, not the unknown command \\b', async () => {
    const m = (rows: string) => `\\begin{pmatrix}${rows}\\end{pmatrix}`
    // Before, each of these was no answer (0 even against itself).
    expect(await rewards({ type: 'math' }, m('a\\\\b'), [`\\boxed{${m('a\\\\b')}}`, `\\boxed{${m('b\\\\a')}}`, `\\boxed{${m('a\\\\c')}}`, `\\boxed{${m('a\\\\b\\\\c')}}`])).toEqual([1, 0, 0, 0])
    expect(await rewards({ type: 'math' }, m('x+1\\\\y'), [`\\boxed{${m('1+x\\\\y')}}`, `\\boxed{${m('y\\\\x+1')}}`])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, m('a&b\\\\c&d'), [`\\boxed{${m('a&b\\\\c&d')}}`, `\\boxed{${m('a&c\\\\b&d')}}`])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, m('a\\\\2b'), [`\\boxed{${m('a\\\\b+b')}}`, `\\boxed{${m('a\\\\b')}}`])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, m('\\cos\\theta&-\\sin\\theta\\\\\\sin\\theta&\\cos\\theta'), [
      `\\boxed{${m('\\cos\\theta&-\\sin\\theta\\\\\\sin\\theta&\\cos\\theta')}}`,
      `\\boxed{${m('\\cos\\theta&\\sin\\theta\\\\-\\sin\\theta&\\cos\\theta')}}`,
    ])).toEqual([1, 0])
    // A row break followed by a known command is unchanged.
    expect(await rewards({ type: 'math' }, m('1\\\\\\frac{1}{2}'), [`\\boxed{${m('1\\\\0.5')}}`, `\\boxed{${m('1\\\\\\frac{1}{3}')}}`])).toEqual([1, 0])
    // Must not fire: a real unknown command after a row break is still refused, even against itself; a row break
    // outside a matrix joins nothing.
    expect(await rewards({ type: 'math' }, m('1\\\\2'), [`\\boxed{${m('1\\\\\\foo{2}')}}`])).toEqual([0])
    expect(await rewards({ type: 'math' }, m('1\\\\\\foo'), [`\\boxed{${m('1\\\\\\foo')}}`])).toEqual([0])
    expect(await rewards({ type: 'math' }, 'ab', ['\\boxed{a\\\\b}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '34', ['\\boxed{3\\\\4}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, 'x', [`The answer is \\[${m('x\\\\y')}\\]`])).toEqual([0])
  })
})

describe('a number in E notation in prose is one number (tenth session, reward-kit)', () => {
  it('`6.022e23`, `1e-5`, `1.5E+8` are read whole — not the `23`, `5` or `8` after the e', async () => {
    expect(extractAnswer("Avogadro's number is approximately 6.022e23.")?.answer).toBe('6.022e23')
    expect(await rewards({ type: 'math' }, '6.022e23', ["Avogadro's number is approximately 6.022e23."])).toEqual([1])
    expect(await rewards({ type: 'math' }, '0.00001', ['so it is 1e-5.'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '150000000', ['a distance of 1.5E+8 km'])).toEqual([1])
    // Must not fire: the exponent or the mantissa alone (before, `1e-5` for 5 and `1.5E+8` for 8 scored 1), another
    // exponent, and `e` not followed by digits (Euler's number or a word) is unchanged.
    expect(await rewards({ type: 'math' }, '5', ['so it is 1e-5.'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '8', ['a distance of 1.5E+8 km'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '6.022', ['approximately 6.022e23.'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '6.022e23', ['approximately 6.022e22.'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '6', ['so 2e times 3 is 6'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '4', ['Item 3e4 costs 4'])).toEqual([1])
  })
})

describe('a plain function applied after a space, or raised to a power before its bracket (tenth session, kas)', () => {
  it('`csc x`, `sin 2x`, `ln x`, `sin^2(x)+cos^2(x)` are the functions, as `\\csc x` and `\\sin^2(x)` are', async () => {
    expect(await rewards({ type: 'math' }, '1/sin x', ['\\boxed{csc x}', '\\boxed{sec x}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, '1/tan x', ['\\boxed{cot(x)}', '\\boxed{cot x}', '\\boxed{tan x}'])).toEqual([1, 1, 0])
    expect(await rewards({ type: 'math' }, '\\sin 2x', ['\\boxed{sin 2x}', '\\boxed{2 sin x cos x}', '\\boxed{2 sin x}'])).toEqual([1, 1, 0])
    expect(await rewards({ type: 'math' }, '1', ['\\boxed{sin^2(x)+cos^2(x)}'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '\\tan x', ['The answer is tan x'])).toEqual([1])
    // Must not fire: another function, another power, another argument, a sum that is not 1; a function name that is a
    // word (a tan car, a cot, 12 sec) keeps the prose around it prose.
    expect(await rewards({ type: 'math' }, '\\sin^2(x)', ['\\boxed{sin^3(x)}', '\\boxed{sin x^2}'])).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '2', ['\\boxed{sin^2(x)+cos^2(x)}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '\\ln x', ['\\boxed{ln y}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, '5', ['The tan car costs 5'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '3', ['I have a cot 3 feet long, so 3'])).toEqual([1])
    expect(await rewards({ type: 'math' }, '12', ['It took 12 sec a lap.'])).toEqual([1])
    expect(await rewards({ type: 'math' }, 'x', ['The answer is tan x'])).toEqual([0])
  })
})

describe('two relations solved for different variables are one equation (tenth session, kas)', () => {
  it('`y = x` is `x = y`, `y = 2x + 1` is `x = (y - 1)/2`, `a = b + c` is `b = a - c`', async () => {
    expect(await rewards({ type: 'math' }, 'x=y', ['\\boxed{y=x}'])).toEqual([1])
    expect(await rewards({ type: 'math' }, 'y = 2x + 1', ['\\boxed{x = (y-1)/2}', '\\boxed{x = (y+1)/2}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, 'a = b + c', ['\\boxed{b = a - c}', '\\boxed{b = a + c}'])).toEqual([1, 0])
    // Must not fire: another relation (`x = -y`, `x = \sqrt{y}` for `y = x^2`), a value against a relation either way,
    // and a system's solution still matched by its variables.
    expect(await rewards({ type: 'math' }, 'y = x', ['\\boxed{x = -y}', '\\boxed{x = 2}'])).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, 'y = x^2', ['\\boxed{x = \\sqrt{y}}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, 'x = 2', ['\\boxed{y = x}'])).toEqual([0])
    expect(await rewards({ type: 'math' }, 'x = 3, y = 2', ['\\boxed{x = 2, y = 3}', '\\boxed{y = 2, x = 3}'])).toEqual([0, 1])
  })
})
describe('E notation against an expression (ninth session, lead)', () => {
  it('`1e-5` reaches the engine as its value (it read 1·e − 5 there, so `\\boxed{1e-5}` against 10^{-5} scored 0)', async () => {
    expect(await rewards({ type: 'math' }, '10^{-5}', ['\\boxed{1e-5}', '\\boxed{2e-5}', '\\boxed{1e-6}'])).toEqual([1, 0, 0])
    expect(await rewards({ type: 'math' }, '\\sqrt{2} \\times 10^{-3}', ['\\boxed{1.41421356237e-3}', '\\boxed{1.4142e-3}'])).toEqual([1, 0])
    // Must not fire: Euler's e stays e (`2e`), and e^{-5} is not 10^{-5}.
    expect(await rewards({ type: 'math' }, '2e', ['\\boxed{2e}', '\\boxed{2}'])).toEqual([1, 0])
    expect(await rewards({ type: 'math' }, 'e^{-5}', ['\\boxed{1e-5}'])).toEqual([0])
  })
})

describe('a sine, cosine or tangent at a multiple of π is 0, not float noise (tenth session, kas)', () => {
  it('`\\sin(\\pi)`, `\\sin(7\\pi)`, `\\cos(\\pi/2)`, `\\tan(3\\pi)` equal 0; sin(x + 2π) is sin x', async () => {
    expect(await rewards({ type: 'math' }, '0', ['\\boxed{\\sin(\\pi)}', '\\boxed{\\sin(7\\pi)}', '\\boxed{\\cos(\\pi/2)}', '\\boxed{\\tan(3\\pi)}', 'sin(500pi)'])).toEqual([1, 1, 1, 1, 1])
    expect(await rewards({ type: 'math' }, '\\sin(x)', ['\\boxed{\\sin(x+2\\pi)}', '\\boxed{\\sin(x+\\pi)}'])).toEqual([1, 0])
    // Must not fire: a small value that is not noise (2^-50, sin(10^-20)), sin at a point that is no multiple of π
    // (3, 355), cos π = −1, sin(πx) with a variable, and a reference that is a tiny number rather than 0.
    expect(await rewards({ type: 'math' }, '0', ['\\boxed{2^{-50}}', '\\boxed{\\sin(10^{-20})}', '\\boxed{\\sin(3)}', '\\boxed{\\sin(355)}', '\\boxed{\\cos(\\pi)}', '\\boxed{\\sin(\\pi x)}'])).toEqual([0, 0, 0, 0, 0, 0])
    expect(await rewards({ type: 'math' }, '10^{-16}', ['\\boxed{\\sin(\\pi)}'])).toEqual([0])
  })
})

describe('short time units after a value (ninth session, lead)', () => {
  it('`\\boxed{30 min}`, `30 sec`, `2 hrs` are the value with its unit (they were no answer: an unread word)', async () => {
    expect(await rewards({ type: 'math' }, '30', ['\\boxed{30 min}', '\\boxed{30 sec}', '\\boxed{30 mins}', '\\boxed{31 secs}', '\\boxed{30 min or 40 min}'])).toEqual([1, 1, 1, 0, 0])
    expect(await rewards({ type: 'math' }, '2', ['\\boxed{2 hrs}', '\\boxed{2 hr}'])).toEqual([1, 1])
    // Must not fire: plain sec applied to a value is the secant, and `min 3` is no value with a unit.
    expect(await rewards({ type: 'math' }, '5', ['\\boxed{5 sec x}', '\\boxed{min 3}'])).toEqual([0, 0])
    expect(await rewards({ type: 'math' }, '5\\sec x', ['\\boxed{5 sec x}'])).toEqual([1])
  })
})
