/**
 * Final-answer extraction from free text, for predictions and gold answers alike (as Math-Verify does it).
 * Reasoning before the last `</think>` is dropped. Strategies, in the spec's order:
 *   boxed       `\boxed{…}` / `\fbox{…}` (brace-matched); boxes that follow each other with only commas, "and"/"or"
 *               or spacing between them are one answer list (`\boxed{1}, \boxed{2}`), so a completion hedging
 *               over candidates cannot match a single gold answer; a box followed by `=` or `\times` is an operand
 *               (`\boxed{11}=2`, where a problem defines `\boxed{n}`), not an answer
 *   hash        GSM8K style: the text after the last `####` (and a colon after it)
 *   answer-tag  the content of the last `<answer>…</answer>`
 *   answer-is   the sentence after "final answer is" / "the answer is" / "answer:" / "答案是" (its LaTeX, or its last
 *               number, so "The answer is 260 sheep." gives 260; a number right after the cue that closes its clause
 *               is the answer: "The answer is 220 dollars, paid over 12 months." gives 220)
 *   latex       the last LaTeX span: `$…$`, `$$…$$`, `\(…\)`, `\[…\]` (inline spans stay on one line)
 *   last-number the last plain number or arithmetic on numbers outside LaTeX (`1,000.99`, `4 4/9`, `11 + 4/9`,
 *               `2,74 €`), or the whole text when it is a bare answer with no prose (`63/400`, `x = 1, y = 2`);
 *               the last numbers joined only by "and", "or", "maybe", "perhaps", "possibly" or a modal clause ("but
 *               it might be"), also in brackets (`5 (or 6)`), are one list (`The solutions are 3 and 5`), a hedge
 *               (`It could be 3, maybe 4`, `I think 3, but it might be 4`), here and in an answer-is sentence; a value right after a negation (`4, not 3`, `rather than $3$`) is ruled
 *               out, not the answer (also a LaTeX span); a scale word after a number applies (`5 million`,
 *               `2 squared`); a ratio or clock time (`3:4`, `10:30`) is one value, read whole (never its last number);
 *               `3 out of 4` is the fraction 3/4 (a chance of `1 in 4` and `1 in every 4` too; a ratio of `3 to 4` is 3:4); a bound (`at least 3`) reads its number; a number inside a brace group of
 *               prose (`\frac{1}{3}` written without `$`) is not one (an answer-is sentence reads the group whole)
 * Second thoughts (R1-style self-correction): text after the chosen anchored answer that opens with a hedge
 * (`\boxed{5}, but it might be 6`, `\boxed{5} or 6`) or with a correction or check cue (`Wait`, `Hmm`, `Actually`,
 * `No`, `Let me recheck`) is read on its own; a different value there makes the answer a list when the text hedges
 * (`maybe`, `might`, a question: matches no single gold), replaces it when the text corrects (`actually`, `wrong`,
 * `no`, `mistake`, or a correction cue: `The answer is 5. Wait, it's 6.` gives 6), and otherwise keeps it if the text
 * names it again (a check: `Wait, let me verify: 12 × 3 = 36` keeps 12) or else leaves both open (a list); a turn (`But`, `However`) only
 * hedges, never replaces; an answer the text then calls wrong (`Wait, that is wrong.`, `but that's incorrect`) with no
 * value after it is no answer. A correction gives a one-letter variable's value (`the case n = 2`) as the answer only
 * when the answer assigned that variable; a question naming another value is a second thought, one the text answers
 * with a plain `No` keeps the answer, and one asking whether the answer is right answered `No` retracts it. A box right after a negation (`\boxed{4}, not \boxed{3}`) is ruled out as a number
 * there is. In prose the last two values with a hedge word at most three words before the last (`5 apples, or maybe 6
 * apples`, `It is 5. Hmm, but maybe it is 6?`), or a bare `or` between values of one unit (`5 apples or 6 apples`;
 * not `15 minutes, or 0.25 hours`, one value restated), are a list too.
 * Adjacent strategies of the same tier form one group in which the answer found *last in the text* wins:
 * anchored answers (boxed, hash, answer-tag, answer-is), then trailing expressions (latex, last-number). So
 * "… \boxed{255} … Final answer: $10,455$" gives 10,455. A candidate that is not a well-formed answer (unknown
 * commands, unbalanced braces, prose) is skipped for the next one. All scans are linear.
 */
import { BIG_OPERATORS, CAS_COMMANDS, hasBigOperator } from './commands.js'
import { lastSide } from './structure.js'

export const EXTRACTORS = ['boxed', 'hash', 'answer-tag', 'answer-is', 'latex', 'last-number'] as const
export type Extractor = (typeof EXTRACTORS)[number]
export const DEFAULT_EXTRACT_ORDER: Extractor[] = ['boxed', 'hash', 'answer-tag', 'answer-is', 'latex', 'last-number']

const ANCHORED = new Set<Extractor>(['boxed', 'hash', 'answer-tag', 'answer-is'])

/** An extracted answer: its text, the strategy, and whether it came from prose (decimal commas read there). */
export interface Found {
  answer: string
  by: Extractor
  /** Read from plain text (not LaTeX): `2,74` is a decimal there. */
  plain: boolean
  /** A percent sign or word followed it outside the answer (`$28$ %`, `\boxed{28} pct`). */
  percent: boolean
}

interface Candidate extends Found {
  at: number
  /** Where its text ends (a number in prose, its scale word included). */
  end?: number
  /** Where the text after an anchored answer begins (after the box, the `####` line, the answer sentence). */
  close?: number
}

/** Content of the brace group opening at `open` (index of `{`), or null when unbalanced. */
export function braceGroup(s: string, open: number): { body: string; end: number } | null {
  let depth = 0
  for (let i = open; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '{') depth++
    else if (c === '}' && --depth === 0) return { body: s.slice(open + 1, i), end: i + 1 }
  }
  return null
}

interface Box {
  body: string
  start: number
  end: number
}

function boxes(s: string): Box[] {
  const out: Box[] = []
  let i = 0
  // The next `\boxed` and `\fbox` at or after i, each searched again only once passed (one missing kind of box is
  // not searched for from every box of the other: that was quadratic, 0.9 s on 16,000 boxes).
  let b = -2
  let f = -2
  for (;;) {
    if (b !== -1 && b < i) b = s.indexOf('\\boxed', i)
    if (f !== -1 && f < i) f = s.indexOf('\\fbox', i)
    const at = b < 0 ? f : f < 0 ? b : Math.min(b, f)
    if (at < 0) return out
    const after = at + (at === b ? 6 : 5)
    let k = after
    while (k < s.length && (s[k] === ' ' || s[k] === '\n')) k++
    if (s[k] === '{') {
      const g = braceGroup(s, k)
      if (!g) return out // unbalanced: nothing after it can close either
      out.push({ body: g.body.trim(), start: at, end: g.end })
      i = g.end
    } else if (k > after) {
      let e = k // `\boxed 5`: the next token
      while (e < s.length && !/[\s$]/.test(s[e])) e++
      if (e > k) out.push({ body: s.slice(k, e), start: at, end: e })
      i = e
    } else i = after
  }
}

/** All `\boxed{…}` contents in order of appearance. */
export function boxedAll(s: string): string[] {
  return boxes(s).map((b) => b.body)
}

/** A modal clause offering another value: `but it might be`, `or it could also be`, `although it may be`. */
const MODAL = String.raw`(?:(?:but|though|although|yet)\s+)?(?:(?:it|that|this|which|the answer)\s+)?(?:might|may|could)(?:\s+(?:also|well|even))?(?:\s+(?:be|equal|equals))?`
/** English words that join a list of answers (one of them is the answer, so the list never matches one gold), or a
 * modal clause (`\boxed{5}, but it might be \boxed{6}`). */
const LIST_WORDS = String.raw`\band\b|\bor\b|\bmaybe\b|\bperhaps\b|\bpossibly\b|\b${MODAL}\b`
/** What may stand between two boxes of one answer list. */
const BOX_JOIN = new RegExp(String.raw`^(?:\s|[,;$]|\\[,;:! ]|\\q?quad|\\text\{\s*(?:and|or)?\s*\}|${LIST_WORDS}|\\\]|\\\[|\\\)|\\\()*$`)
/** What may stand between two LaTeX spans of one answer list in an answer-is sentence (`$3$ or $4$`). */
const SPAN_JOIN = new RegExp(String.raw`^(?:\s|,|${LIST_WORDS})*$`, 'i')

/** What after a box makes it an operand of an expression rather than an answer: `\boxed{11}=2`,
 * `\boxed{11}\times\boxed{20}` (a problem that defines `\boxed{n}` as a function, as some MATH problems do). */
const OPERAND_AFTER = /^\s*(?:=(?!=)|\\times(?![a-zA-Z])|\\cdot(?![a-zA-Z])|\\div(?![a-zA-Z])|\*)/

function boxedCandidates(s: string): Candidate[] {
  // A box right after a negation (`\boxed{4}, not \boxed{3}`) is a value ruled out, as a number there is.
  const all = boxes(s).filter((b) => !OPERAND_AFTER.test(s.slice(b.end, b.end + 12)) && !negated(s, s[b.start - 1] === '$' ? b.start - 1 : b.start))
  const out: Candidate[] = []
  for (let i = 0; i < all.length; ) {
    let j = i
    while (j + 1 < all.length && BOX_JOIN.test(s.slice(all[j].end, all[j + 1].start))) j++
    const bodies = [...new Set(all.slice(i, j + 1).map((b) => b.body))]
    out.push({ answer: bodies.join(', '), by: 'boxed', plain: false, percent: percentAfter(s, all[j].end), at: all[i].start, close: all[j].end })
    i = j + 1
  }
  return out
}

function hash(s: string): Candidate[] {
  const i = s.lastIndexOf('####')
  if (i < 0) return []
  const rest = s.slice(i + 4).split('\n', 1)[0]
  const line = rest.replace(/^\s*:/, '').trim()
  return line ? [{ answer: line, by: 'hash', plain: true, percent: false, at: i, close: i + 4 + rest.length }] : []
}

function answerTag(s: string): Candidate[] {
  const close = s.lastIndexOf('</answer>')
  if (close < 0) return []
  const open = s.lastIndexOf('<answer>', close)
  if (open < 0) return []
  const body = s.slice(open + 8, close)
  const inner = extractFrom(body, DEFAULT_EXTRACT_ORDER)
  return inner ? [{ ...inner, by: 'answer-tag', at: open, close: close + 9 }] : []
}

interface Span {
  body: string
  start: number
  end: number
}

/** Whether the `$` at `j` closes an inline span: not when a digit follows it (Pandoc's rule), so the dollar signs of
 * `$2 each, so she makes $18` open amounts, not math. */
function closes(s: string, j: number): boolean {
  return !/\d/.test(s[j + 1] ?? '')
}

/** LaTeX spans `$…$`, `$$…$$`, `\(…\)`, `\[…\]` (an escaped `\$` is no delimiter; inline spans stay on one line; a
 * `$` right before a digit opens an amount, it closes nothing). */
function latexSpans(s: string): Span[] {
  const out: Span[] = []
  let i = 0
  while (i < s.length) {
    const c = s[i]
    if (c === '\\' && (s[i + 1] === '(' || s[i + 1] === '[')) {
      const closeTok = s[i + 1] === '(' ? '\\)' : '\\]'
      const j = s.indexOf(closeTok, i + 2)
      if (j < 0) return out
      const body = s.slice(i + 2, j)
      if (closeTok === '\\]' || !body.includes('\n')) out.push({ body, start: i, end: j + 2 })
      i = j + 2
    } else if (c === '\\') i += 2
    else if (c === '$') {
      const display = s[i + 1] === '$'
      const open = display ? 2 : 1
      let j = i + open
      let found = -1
      while (j < s.length) {
        if (s[j] === '\\') j += 2
        else if (s[j] === '$') {
          if (display ? s[j + 1] === '$' : closes(s, j)) {
            found = j
            break
          }
          j++
        } else if (!display && s[j] === '\n') break
        else j++
      }
      if (found < 0) {
        i += open
        continue
      }
      out.push({ body: s.slice(i + open, found), start: i, end: found + open })
      i = found + open
    } else i++
  }
  return out
}

const PERCENT_AFTER = /^\s*\$?\s*(?:\\?%|percent(?:age)?\b|pct\b)/i

/** A value written right after a negation or an exclusion (`4, not 3`, `rather than 3`, `isn't $3$`, `cannot be 3`,
 * `any real number except 3`, `other than 3`; `nicht 3`, `pas 3`, `不是3`, `除了3`) is one the answer rules out, never the answer. */
const NEGATED_BEFORE = /(?:\b(?:can)?not|n't|\bnicht|\bpas|不是|并非|而非|不等于|除了|\brather\s+than|\binstead\s+of|\bexcept(?:\s+for)?|\bother\s+than|\bapart\s+from|\bexcluding)(?:\s+(?:be|equal(?:s|\s+to)?))?\s*\(?\s*$/i

function negated(s: string, at: number): boolean {
  return NEGATED_BEFORE.test(s.slice(Math.max(0, at - 24), at))
}

function percentAfter(s: string, end: number): boolean {
  return PERCENT_AFTER.test(s.slice(end, end + 16))
}

/** A number as written in prose: sign, currency, thousands separators (`,` or space), decimals, decimal comma, and
 * E notation (`6.022e23`, `1e-5`: one number, not the `23` or `5` after its `e`). */
const NUM = String.raw`(?:\d+(?:\.\d+)?[eE][-+]?\d+|\d{1,3}(?:(?:,|,\\!\s?|\{,\}| )\d{3})+(?:\.\d+)?|\d+,\d{1,2}(?!\d)|0,\d+|\d+(?:\.\d+)?|\.\d+)`
const TERM = String.raw`(?:(?:\d{1,3}(?: \d{3})+|\d+) \d+/\d+|${NUM}(?:\s*/\s*${NUM})?)`
const PLAIN_EXPR = new RegExp(
  String.raw`(?<![\w.\\^_/]|\d,)[-+]?(?:\\?\$|[€£¥])?\s?${TERM}(?:\s*[-+*×]\s*${TERM})*(?:\s?(?:\\?\$|[€£¥]))?(?!(?![a-zA-Z]{1,2}[²³])[\w^_]|[.,]\d|/\d|\s?[a-zA-Z]\w*\s*[=^(])`,
  'g',
)

/** LaTeX written in prose without delimiters (`the answer is \\frac{1}{3} cups`, `答案：(\\frac{2}{5}) 吨`): a fraction,
 * a root or a power of a number, read whole after an answer cue (elsewhere in prose it is not read, as Math-Verify
 * does not read it). */
const BARE_LATEX = /(?<![\w\\^_.])[-+]?(?:\d+(?:\.\d+)?\s*)?(?:\\[dt]?frac\s*\{[^{}$]*\}\s*\{[^{}$]*\}|\\sqrt\s*(?:\[[^\]$]*\])?\s*\{[^{}$]*\})|(?<![\w\\^_.])\d+(?:\.\d+)?\^\{[^{}$]*\}/g

function plainNumbers(s: string, from = 0, to = s.length, spans: Span[] = [], bareLatex = false): Candidate[] {
  const outside = (at: number) => {
    while (k < spans.length && spans[k].end <= at) k++
    return !(k < spans.length && spans[k].start <= at)
  }
  // A number inside a LaTeX group of the prose (`\frac{1}{3}`, `x^{3}`: braces that open after a command, `^`, `_`
  // or another group, and close) is part of an expression, not an answer of its own (a JSON object's braces are
  // not such a group): the groups' outermost spans, found in one scan.
  const groups: [number, number][] = []
  if (s.includes('{')) {
    const open: number[] = []
    let outer = -1
    for (let i = from; i < to; i++) {
      const c = s[i]
      if (c === '\\') {
        while (i + 1 < to && /[a-zA-Z]/.test(s[i + 1])) i++
        if (i < to && !/[a-zA-Z]/.test(s[i])) i++
      } else if (c === '{') {
        if (!open.length) outer = /(?:\\[a-zA-Z]+|[\^_}])\s*$/.test(s.slice(Math.max(from, i - 24), i)) ? i : -1
        open.push(i)
      } else if (c === '}' && open.length) {
        open.pop()
        if (!open.length && outer >= 0) groups.push([outer, i])
      }
    }
  }
  let g = 0
  const inGroup = (at: number) => {
    while (g < groups.length && groups[g][1] < at) g++
    return g < groups.length && groups[g][0] < at
  }
  const out: Candidate[] = []
  let k = 0
  const latex: Candidate[] = []
  if (bareLatex && (s.includes('\\') || s.includes('^{'))) {
    for (const m of s.slice(from, to).matchAll(BARE_LATEX)) {
      const at = from + m.index
      if (outside(at) && !inGroup(at)) latex.push({ answer: m[0].trim(), by: 'last-number', plain: false, percent: percentAfter(s, at + m[0].length), at })
    }
    k = 0
    g = 0
  }
  let l = 0
  for (const m of s.slice(from, to).matchAll(PLAIN_EXPR)) {
    const at = from + m.index
    if (!outside(at)) continue // inside a LaTeX span
    if (inGroup(at)) continue
    while (l < latex.length && latex[l].at + latex[l].answer.length <= at) out.push(latex[l++])
    if (l < latex.length && latex[l].at <= at) continue // part of a fraction, root or power read whole
    if (negated(s, at) || inRatio(s, at + m[0].length - m[0].trimStart().length, at + m[0].length)) continue
    // A decimal comma (`2,74`) is read by normalisation (plain answers), which also keeps `0,1` as a possible pair.
    const scale = SCALE_AFTER.exec(s.slice(at + m[0].length, at + m[0].length + 16))
    const plain = m[0].trim()
    const answer = scale && /^[-+]?\d[\d,.]*$/.test(plain) ? `${plain}${SCALE[scale[1].toLowerCase()]}` : plain
    const end = at + m[0].length + (answer === plain ? 0 : scale![0].length)
    out.push({ answer, by: 'last-number', plain: true, percent: percentAfter(s, end), at, end })
  }
  out.push(...latex.slice(l))
  // A ratio or clock time written without spaces (`3:4`, `2:3:5`, `10:30`) is one value of its own.
  if (s.includes(':')) {
    k = 0
    g = 0
    let added = false
    for (const m of s.slice(from, to).matchAll(RATIO)) {
      const at = from + m.index
      if (!outside(at) || inGroup(at) || negated(s, at)) continue
      out.push({ answer: m[0], by: 'last-number', plain: true, percent: false, at, end: at + m[0].length })
      added = true
    }
    if (added) out.sort((a, b) => a.at - b.at)
  }
  return outOf(s, out)
}

/** What may stand between the LaTeX spans of a text that is only a list of them: commas and plain numbers (each number
 * followed by a separator or the end, so the scan is linear). */
const LIST_GAP = /^[\s,;]*(?:[-+]?\d+(?:\.\d+)?(?:\/\d+)?(?:[\s,;]+|$))*$/

/** A text that is only LaTeX spans and plain numbers separated by commas (`$\frac{1}{3}$ , 0`, `$3$, $4$`, as
 * OlympiadBench writes a reference of several answers): one list, read whole (before, its last item was the answer, so a
 * reference `$\frac{1}{3}$ , 0` accepted `0` alone). */
function spanList(s: string): Candidate | null {
  const t = s.trim()
  if (!t.includes(',') || t.includes('\n') || !t.includes('$')) return null
  const spans = latexSpans(t)
  if (!spans.length) return null
  let out = ''
  let gaps = ''
  let i = 0
  for (const sp of [...spans, { body: '', start: t.length, end: t.length }]) {
    const gap = t.slice(i, sp.start)
    if (!LIST_GAP.test(gap)) return null
    out += gap + sp.body
    gaps += gap
    i = sp.end
  }
  const answer = out.trim()
  if (!gaps.includes(',') || !wellFormed(answer) || !isBare(answer)) return null
  return { answer, by: 'latex', plain: false, percent: false, at: s.length, end: s.length }
}

/** A span between two dollar signs that holds prose, not mathematics (`how many $? just about 1$`: the signs are
 * currency): no command, brace, script or relation, and words that make it a sentence. Its numbers are prose numbers. */
function proseSpan(body: string): boolean {
  return !/[\\{}^_=<>]/.test(body) && !isBare(body)
}

/** A ratio or clock time: numbers joined by colons with no space (`Step 1: 3` is no ratio). */
const RATIO = /(?<![\w.:\\^_/])\d+(?:\.\d+)?(?::\d+(?:\.\d+)?)+(?![\w:]|\.\d)/g
/** What joins a part to its whole: `3 out of 4`, `3 out of every 4`. */
const OUT_OF = /^\s+out\s+of\s+(?:every\s+|the\s+)?$/i
const PLAIN_NUMBER = /^\d+(?:\.\d+)?$/

/** A chance written `1 in 4`: `in` joins a part to its whole only next to a word of chance (`a 1 in 4 chance`, `the
 * probability is 1 in 4`; not `3 in 2020`). */
const IN = /^\s+in\s+$/
/** `1 in every 4` is a part of its whole in any context. */
const IN_EVERY = /^\s+in\s+every\s+$/i
const CHANCE_AFTER = /^\s*(?:chances?|odds)\b/i
const CHANCE_BEFORE = /\b(?:probability|odds|chances?|likelihood)\b[^.\d]*$/i
/** A ratio in words: `x to y` after the word ratio or odds in the same sentence (`The ratio of boys to girls is 3 to 4`),
 * not a change or a range (`the ratio rose from 3 to 4`). */
const TO = /^\s+to\s+$/i
const RATIO_BEFORE = /\b(?:ratios?|odds)\b[^.\d]*$/i
const FROM_BEFORE = /\b(?:from|between)\s+$/i

/** How numbers `a` and `b` in words make one value: the fraction a/b (`3 out of 4`), the ratio a:b (`3 to 4`), or none. */
function partOfWhole(s: string, a: Candidate, b: Candidate): '/' | ':' | null {
  const gap = after(s, a, b.at)
  if (OUT_OF.test(gap) || IN_EVERY.test(gap)) return '/'
  const before = s.slice(Math.max(0, a.at - 48), a.at)
  if (TO.test(gap)) return RATIO_BEFORE.test(before) && !FROM_BEFORE.test(before) ? ':' : null
  if (!IN.test(gap)) return null
  const end = b.end ?? b.at + b.answer.length
  return CHANCE_AFTER.test(s.slice(end, end + 12)) || CHANCE_BEFORE.test(before) ? '/' : null
}

/** `3 out of 4` is the fraction 3/4, one value (before, its last number, the whole, was read as the answer); so is a
 * chance of `1 in 4` and `1 in every 4`; a ratio of `3 to 4` is the ratio 3:4. */
function outOf(s: string, nums: Candidate[]): Candidate[] {
  if (nums.length < 2 || !/out\s+of|\s(?:in|to)\s/i.test(s)) return nums
  const out: Candidate[] = []
  for (let i = 0; i < nums.length; i++) {
    const a = nums[i]
    const b = nums[i + 1]
    const join = b && a.plain && b.plain && PLAIN_NUMBER.test(a.answer) && PLAIN_NUMBER.test(b.answer) ? partOfWhole(s, a, b) : null
    if (join) {
      out.push({ ...a, answer: `${a.answer}${join}${b.answer}`, percent: false, end: b.end })
      i++
    } else out.push(a)
  }
  return out
}

/** A number written as part of a ratio or a clock time (`3:4`, `3:45`): not a number of its own. */
function inRatio(s: string, at: number, end: number): boolean {
  return /\d:$/.test(s.slice(Math.max(0, at - 2), at)) || /^:\d/.test(s.slice(end, end + 2))
}

/** Words after a number that scale it or raise it to a power (`5 million`, `2 squared`; not "dozen", often a unit
 * counted in: "how many dozen"). */
const SCALE_AFTER = /^\s+(hundred|thousand|million|billion|trillion|squared|cubed)\b/i
const SCALE: Record<string, string> = {
  hundred: ' \\times 10^{2}', thousand: ' \\times 10^{3}', million: ' \\times 10^{6}', billion: ' \\times 10^{9}',
  trillion: ' \\times 10^{12}', squared: '^{2}', cubed: '^{3}',
}


/** Words that may follow an answer without making it prose (units, "and"/"or", percent), or stand in it (infinity). */
const FILLER =
  /^(?:and|or|inf(?:inity)?|percent|percentage|pct|units?|square|cubic|sq|cm|mm|km|meters?|metres?|inch(?:es)?|feet|foot|ft|yards?|miles?|kg|grams?|lbs?|pounds?|ounces?|liters?|litres?|gallons?|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|dollars?|cents?|degrees?|radians?|mph|text|textbf|textit|textnormal|mathrm|mathbf|mbox|operatorname|in|pm|mp|cdot|times|circ)$/i

/** Two-letter English words standing alone (between spaces or punctuation): prose, not a product of two variables
 * (`c-by` is c − b·y). */
const SHORT_WORDS = /(?<![a-zA-Z0-9\\+\-*/^=_{}([])(?:is|it|of|to|be|we|so|an|as|at|by|if|on|no|my|he|do|go|us|up|am)(?![a-zA-Z0-9+\-*/^=_{}()[\]])/
/** A function written without its backslash and applied (`sin(x)`, `log(2)`): mathematics, not a word. */
const PLAIN_FUNCTION = /(?<![a-zA-Z\\])(?:sin|cos|tan|cot|sec|csc|arcsinh|arccosh|arctanh|arsinh|arcosh|artanh|asinh|acosh|atanh|arcsin|arccos|arctan|asin|acos|atan|sinh|cosh|tanh|csch|sech|coth|cosech|cosec|log|ln|exp|sqrt|abs)(?=\s*\(|\^\s*(?:\d|\{\d+\})\s*\(| +(?:[a-zA-Z](?![a-zA-Z])|\d))/g

/** A Greek letter's name written plainly as a term of an expression (`4*sin(theta)`, `theta*(x+y)/2`, `2 pi`): touching an
 * operator or bracket on one side (normalize.ts reads it as the letter), not a word of prose. */
const PLAIN_GREEK_TERM =
  /([-+*/^=(,{[]\s*|\d\s*)(?:alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|upsilon|phi|chi|psi|omega)(?![a-zA-Z])|(?<![a-zA-Z\\])(?:alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|upsilon|phi|chi|psi|omega)(?=\s*[-+*/^=),}\]])/g

/** Letters of scripts whose words are prose in an answer (CJK, Arabic, Hebrew, Devanagari, Bengali, Thai, Cyrillic);
 * Greek is not among them (`2\pi`, `θ`). */
const SCRIPT_WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Thai}\p{Script=Cyrillic}]/u

/** A bare answer: no prose (one word alone, or no run of ≥ 3 letters outside commands except units and "and"/"or",
 * no letter of a non-Latin script outside `\text{}`: `因此，弗兰克一共有858颗糖果` is a sentence, not an answer). */
export function isBare(s: string): boolean {
  // One word alone is an answer (`odd`, `\boxed{Evelyn}`), not prose: a sentence has more than one.
  if (/^\s*[a-zA-Z]{2,24}\s*$/.test(s)) return true
  if (/\n\s*\n/.test(s)) return false
  const bare = s.replace(/\\(?:begin|end)\{[a-zA-Z*]+\}|\\operatorname\s*\{[a-zA-Z]+\}|\\[a-zA-Z]+/g, ' ').replace(PLAIN_FUNCTION, ' ').replace(PLAIN_GREEK_TERM, '$1 ')
  if (SHORT_WORDS.test(bare)) return false
  if (SCRIPT_WORD.test(s) && SCRIPT_WORD.test(s.replace(/\\(?:text|textbf|textnormal|mathrm|mbox)\s*\{[^{}]*\}/g, ' '))) return false
  const words = bare.match(/[a-zA-Z]{3,}/g) ?? []
  const textBodies = [...s.matchAll(/\\(?:text|textbf|textnormal|mathrm|mbox)\s*\{([^{}]*)\}/g)].map((m) => m[1])
  return words.every((w) => FILLER.test(w) || textBodies.some((b) => b.includes(w)))
}

/** A well-formed answer: balanced braces, known commands only, not empty, not prose. */
export function wellFormed(a: string): boolean {
  const t = a.trim()
  if (!t) return false
  let depth = 0
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '\\') i++
    else if (t[i] === '{') depth++
    else if (t[i] === '}' && --depth < 0) return false
  }
  if (depth !== 0) return false
  // A sum or product (compared by its bounds and term, compare.ts) holds plain mathematics only: no sizing or text
  // commands inside it (`\sum_{k=0}^n\bigl(k\bigr)` is not read, as Math-Verify does not read it).
  const big = hasBigOperator(t)
  for (const m of t.matchAll(/\\(?:\\|([a-zA-Z]+))/g))
    if (!m[1]) continue // a `\\` row break: `a\\b` is two rows, not the command \b
    else if (big ? !CAS_COMMANDS.has(m[1]) && !BIG_OPERATORS.has(m[1]) && !BIG_TERM_COMMANDS.has(m[1]) : !CAS_COMMANDS.has(m[1]) && !TEXT_COMMANDS.has(m[1])) return false
  return isBare(t)
}

/** Presentation commands a sum or product may hold (normalisation removes them). */
const BIG_TERM_COMMANDS = new Set(['left', 'right', 'dfrac', 'tfrac'])

/** Commands that carry presentation, text or structure (handled by normalisation, not the CAS). */
const TEXT_COMMANDS = new Set(
  (
    'text textbf textit textnormal textrm mathrm mathbf mathit mbox operatorname boxed fbox left right big Big bigg ' +
    'Bigg bigl bigr Bigl Bigr displaystyle textstyle quad qquad dfrac tfrac cfrac degree begin end hline in approx ' +
    'neq leq geq lt gt percent dots ldots cdots vdots dotsm mathcal mathbb overline sim thinspace medspace thickspace ' +
    'negthinspace negmedspace negthickspace enspace cosec cosech'
  ).split(' '),
)

const CUES = ['final answer is', 'the answer is', 'answer is', 'final answer:', 'answer:', 'final answer', '答案是', '答案为', '答案：', '答案:']

/** The sentence after the last answer cue: its bare whole, else its last LaTeX span or number. */
function answerIs(s: string, raw = false): Candidate[] {
  const lower = s.toLowerCase()
  let best = -1
  let len = 0
  for (const cue of CUES) {
    const i = lower.lastIndexOf(cue)
    if (i > best || (i === best && cue.length > len)) {
      best = i
      len = cue.length
    }
  }
  if (best < 0) return []
  const start = best + len
  const spans = latexSpans(s).filter((sp) => sp.start >= start)
  // End of the sentence: a newline, or . ! ? ; followed by a space or the end, outside LaTeX spans.
  let end = s.length
  let k = 0
  for (let i = start; i < s.length; i++) {
    while (k < spans.length && spans[k].end <= i) k++
    if (k < spans.length && spans[k].start <= i) {
      i = spans[k].end - 1
      continue
    }
    const c = s[i]
    if (c === '\n' && s.slice(start, i).trim()) {
      end = i
      break
    }
    if (('.!?;'.includes(c) && (i + 1 >= s.length || /\s/.test(s[i + 1]))) || '。！？；'.includes(c)) {
      end = i
      break
    }
  }
  const body = s.slice(start, end).replace(/^[\s:*]+|[\s*]+$/g, '')
  if (!body) return []
  if (raw) return [{ answer: body, by: 'answer-is', plain: true, percent: false, at: best }]
  const inSpans = spans.filter((sp) => sp.end <= end)
  const whole = body.replace(/^\$+|\$+$/g, '')
  if (inSpans.length <= 1 && isBare(whole) && wellFormed(whole) && !/\$/.test(whole))
    return [{ answer: whole, by: 'answer-is', plain: inSpans.length === 0, percent: percentAfter(s, end), at: best, close: end }]
  // `$3$ or $4$`: LaTeX spans joined only by commas, "and" or "or" are one answer list (a hedge never matches one).
  if (inSpans.length > 1 && inSpans.every((sp, k) => k === 0 || SPAN_JOIN.test(s.slice(inSpans[k - 1].end, sp.start))))
    return [{ answer: inSpans.map((sp) => sp.body.trim()).join(', '), by: 'answer-is', plain: false, percent: percentAfter(s, end), at: best, close: end }]
  const asserted = inSpans.filter((sp) => !negated(s, sp.start))
  const nums = plainNumbers(s, start, end, inSpans, true)
  // A number written right after the cue is the answer (`The answer is 220 dollars, paid over 12 months`), with the
  // numbers hedged or listed right after it (`3, or perhaps 4`); later ones in the sentence explain it.
  if (nums.length > 1 && (!asserted.length || asserted[0].start > nums[0].at) && LEAD.test(s.slice(start, nums[0].at))) {
    let k = 0
    while (k + 1 < nums.length && joinedInProse(s, nums[k], nums[k + 1])) k++
    const first = k + 1 < nums.length && CLAUSE_END.test(after(s, nums[k], nums[k + 1].at)) ? firstUsable(joinHedges(s, nums.slice(0, k + 1))) : null
    if (first) return [{ ...first, by: 'answer-is', at: best, close: end }]
  }
  const found = lastValid([...latexCandidates(s, asserted), ...joinHedges(s, nums)])
  return found ? [{ ...found, by: 'answer-is', at: best, close: end }] : []
}

/** The text between candidate `a` and position `to`. */
function after(s: string, a: Candidate, to: number): string {
  if (a.end !== undefined) return s.slice(a.end, to)
  const gap = s.slice(a.at, to) // a match may open with a space: find its text
  return gap.slice(gap.indexOf(a.answer) + a.answer.length)
}

/** After the answer: at most a unit's words, then the clause ends (`220 dollars, paid over 12 months`, `12 (since …)`);
 * not `2 more than 5` or `10% of 50`, whose later numbers are the answer's operands. */
const CLAUSE_END = /^[a-zA-Z]*(?:\s+[a-zA-Z]+)*\s*[,(;]/

/** What may stand between an answer cue and the answer itself. */
const LEAD = /^[\s:*]*(?:(?:approximately|about|roughly|around|exactly|precisely|just|only|equal\s+to|a\s+total\s+of)\s+)*$/i

/** The rest of the sentence after the last answer cue, as written (the `choice` verifier reads labels in it). */
export function answerSentence(text: string): string | null {
  const c = answerIs(text, true)
  return c.length ? c[0].answer : null
}

function latexCandidates(s: string, spans: Span[]): Candidate[] {
  return spans.map((sp) => ({ answer: sp.body.trim(), by: 'latex' as const, plain: false, percent: percentAfter(s, sp.end), at: sp.start, end: sp.end }))
}

/** A candidate as an answer: itself when well formed; else, for an equation chain whose earlier sides use
 * commands the CAS never sees (`\lim_{x \to 0} \frac{\sin x}{x} = 1`, `17 \bmod 5 = 2`), its last side, which
 * is what a chain is read as anyway (structure.ts); else null. */
function usable<C extends Found>(c: C): C | null {
  if (wellFormed(c.answer)) return c
  if (!c.answer.includes('=') || !isBare(c.answer)) return null
  const last = lastSide(c.answer)
  return last && wellFormed(last) ? { ...c, answer: last } : null
}

function firstUsable<C extends Found>(cands: C[]): C | null {
  for (const c of cands) {
    const u = usable(c)
    if (u) return u
  }
  return null
}

function lastValid(cands: Candidate[]): Candidate | null {
  cands.sort((a, b) => b.at - a.at)
  return firstUsable(cands)
}

function candidates(s: string, by: Extractor): Candidate[] {
  switch (by) {
    case 'boxed':
      return boxedCandidates(s)
    case 'hash':
      return hash(s)
    case 'answer-tag':
      return answerTag(s)
    case 'answer-is':
      return answerIs(s)
    case 'latex': {
      const list = spanList(s)
      if (list) return [list]
      // The last LaTeX spans joined only by hedging words (`It is $3$ or $4$`) are one list, as numbers in prose are.
      const spans = latexSpans(s).filter((sp) => !negated(s, sp.start))
      let j = spans.length - 1
      while (j > 0 && HEDGE_JOIN.test(s.slice(spans[j - 1].end, spans[j].start))) j--
      const cands = latexCandidates(s, spans)
      if (j === spans.length - 1) return cands
      const last = cands[cands.length - 1]
      return [...cands.slice(0, j), { ...last, answer: cands.slice(j).map((c) => c.answer).join(', '), at: cands[j].at }]
    }
    case 'last-number': {
      const t = s.trim()
      const nums = plainNumbers(s, 0, s.length, latexSpans(s).filter((sp) => !proseSpan(sp.body)))
      // The whole text is the answer when it is one line of math, not numbers side by side (`4 4/9 2`).
      const sideBySide = nums.some((x, k) => k > 0 && /^\s+$/.test(s.slice(nums[k - 1].at + nums[k - 1].answer.length, x.at)))
      if (!t.includes('\n') && !sideBySide && isBare(t) && wellFormed(t) && !t.includes('$') && !/\\[([]/.test(t))
        return [{ answer: t, by: 'last-number', plain: true, percent: false, at: 0 }]
      return joinHedges(s, nums)
    }
  }
}

/** What joins alternatives: "or", "maybe", "perhaps", "possibly" (and their French, German and Chinese forms), or a
 * modal clause (`3, but it might be 4`), alone or together (`3, or perhaps 4`), after an optional comma or bracket. */
/** Words or clauses with separators between them; a separator is spaces or one punctuation mark with its spaces, so
 * a gap splits one way only (no backtracking blow-up on a long run of them). */
const joinOf = (words: string) => new RegExp(String.raw`^(?:\s*[,，、(（]\s*|\s+)?(?:(?:${words}|${MODAL})(?:\s*[,，、]\s*|\s+)?)+$`, 'i')
const HEDGE_WORDS = 'or|ou|oder|或者?|或许|也许|maybe|perhaps|possibly|peut-être|vielleicht'
const HEDGE_JOIN = joinOf(HEDGE_WORDS)
/** In prose the last numbers joined by "and" are a list too (`The solutions are 3 and 5`, `between 3 and 5`); LaTeX
 * spans joined by "and" are not (`$1$ and $2$` gives 2, as Math-Verify's tests pin). */
const PROSE_JOIN = joinOf(`and|und|et|和|${HEDGE_WORDS}`)

/** Whether only listing or hedging words (a percent sign after the first allowed) stand between numbers `a` and `b`. */
function joinedInProse(s: string, a: Candidate, b: Candidate): boolean {
  return PROSE_JOIN.test(after(s, a, b.at).replace(/^\s*(?:\\?%|percent\b)/i, ''))
}

/** A word that offers another value, at most three words before it (`5 apples, or maybe 6`, `It is 5. Hmm, but maybe
 * it is 6`; not `5 apples or oranges left, so 12`). */
const HEDGE_END = /(?:\b(?:maybe|perhaps|possibly|vielleicht)(?:\s+[a-zA-Z']+){0,3}|也许)\s*$/i
/** A bare `or` right before the value: a hedge only between values of one unit (`5 apples or 6 apples`); between units
 * it restates one value (`15 minutes, or 0.25 hours`). */
const OR_END = /^\s*([a-zA-Z]*)[\s,;]*\b(?:or|ou|oder)\s*$|^\s*([a-zA-Z]*)[\s,;]*或者?\s*$/i
/** A modal offer right before the value (`I think it might be 6`) counts only after a turn of thought (`but`, `hmm`,
 * `wait`, `actually`): alone it is an assertion about something else (`each of the 4 sides could be 12 cm`). */
const MIGHT_END = /\b(?:might|may|could)(?:\s+(?:also|well|even))?\s+(?:be|equal)(?:\s+[a-zA-Z']+){0,2}\s*$/i
const TURN = /\b(?:but|hmm+|wait|actually|though|although|however)\b/i

/** Whether the short, number-free text between the last two values of prose offers the last as an alternative to the
 * one before: a hedge over both (`It is 5 apples, or maybe 6 apples.`, `It is 5. Hmm, but maybe it is 6?`). */
function hedgedGap(gap: string, unitAfter: string): boolean {
  if (gap.length > 60 || /\d/.test(gap)) return false
  if (HEDGE_END.test(gap) || (MIGHT_END.test(gap) && TURN.test(gap))) return true
  const or = OR_END.exec(gap)
  return !!or && (or[1] ?? or[2] ?? '').toLowerCase() === unitAfter.toLowerCase()
}

/** The last numbers of prose joined only by hedging words (`It is 12 or 13`, `It could be 3, maybe 4`, `12或13`)
 * hedge over several answers: one list, which never matches a single gold (as adjacent boxes do not). Each value
 * keeps its own percent sign (`1/2 or 50%`). */
function joinHedges(s: string, nums: Candidate[]): Candidate[] {
  let j = nums.length - 1
  while (j > 0 && joinedInProse(s, nums[j - 1], nums[j])) j--
  if (j === nums.length - 1 && j > 0) {
    const last = nums[j]
    const unitAfter = /^\s*([a-zA-Z]*)/.exec(s.slice(last.end ?? last.at + last.answer.length, (last.end ?? last.at) + 40))![1]
    if (hedgedGap(after(s, nums[j - 1], last.at), unitAfter)) j--
  }
  if (j === nums.length - 1) return nums
  const items = nums.slice(j)
  const answer = items.map((x) => (x.percent && !items.every((y) => y.percent) ? `${x.answer}%` : x.answer)).join(', ')
  return [...nums.slice(0, j), { ...nums[nums.length - 1], answer, percent: items.every((y) => y.percent), at: nums[j].at }]
}

/** Spaces and punctuation before a new thought after an answer. */
const OPENS = String.raw`[\s.!?;:,。！？；…*]*`
/** Interjections a question after the answer may open with (`Hmm, is it 55?`, `Wait, is that right?`). */
const LEAD_CUES = String.raw`(?:(?:hmm+|wait|but|well|so|oh)[\s,.!…—–]*)*`
/** `No` as an interjection (`No, 6`, `No: 6`, `No wait, 6`), not as a determiner (`No other value works`). */
const NO = String.raw`no(?=\s*[,.!:;—–…]|\s+wait\b)`
/** Words that open a correction (`Wait, it's 6`, `Actually, 6`, `No, 6`): one list for SECOND_THOUGHT and CORRECTION_CUE. */
const CORRECTION_WORDS = String.raw`wait|actually|oops|${NO}|correction|hold on|on second thought|scratch that`

/** What opens a second thought right after an anchored answer: a hedge in the same sentence (`\\boxed{5}, but it
 * might be 6`, `\\boxed{5} or 6`), or a new sentence opening with a correction or check cue (`Wait, actually it's
 * 6.`, `Hmm, …`, `No, …`, `Let me recheck: …`). */
const SECOND_THOUGHT = new RegExp(
  String.raw`^(?:\s*[,;(—–]?\s*(?:${MODAL}|or|maybe|perhaps|possibly)\b|${OPENS}(?:hmm+|${CORRECTION_WORDS}|double[- ]?check(?:ing)?|re-?check(?:ing)?|let me (?:re-?)?(?:check|verify|compute|calculate|reconsider|think|redo|double[- ]?check))\b)`,
  'i',
)
/** A turn after the answer that may only hedge it (`The answer is 5. But I am not sure; it could be 6.`): it never
 * replaces the answer, as `However, with the 3 extra it would be 15` does not. */
const HEDGE_OPEN = new RegExp(String.raw`^${OPENS}(?:but|however|though|although)\b`, 'i')
/** Text after an answer that says it was wrong (`Wait, that is wrong.`, `but that's incorrect`, `I made a mistake`):
 * with no value after it, the completion has no answer (it is not the retracted one). */
const RETRACTED = /\b(?:that|this|it)(?:'s|\s+is|\s+was)\s+(?:wrong|incorrect|not\s+(?:right|correct))\b|\bI\s+made\s+(?:a|an)\s+(?:mistake|error)\b/i

/** Whether the text right after an answer retracts it (a question, `is that wrong?`, does not). */
function retracts(tail: string): boolean {
  const head = tail.slice(0, 160)
  return RETRACTED.test(head) && !/[?？]/.test(head)
}

/** Right after an answer, a question whether it is right, answered `No` (`\\boxed{60}. Is that right? No.`, `Is 60
 * correct? No!`, `Is the answer 60? No.`): the answer is retracted. */
const DENIED = new RegExp(
  String.raw`^${OPENS}${LEAD_CUES}(?:is|was)\s+(?:(?:that|this|it|(?:the|my|our)\s+(?:final\s+)?answer|(\S{1,40}))\s+(?:really\s+)?(?:right|correct)|(?:it|(?:the|my|our)\s+(?:final\s+)?answer)\s+(?:really\s+)?(\$?-?\d[\d,./]*\$?))\s*[?？]\s*no(?=\s*[,.!:;—–…]|\s*$)`,
  'i',
)

/** Whether the text after `answer` asks whether it is right and answers `No`: with no value after it the answer is
 * retracted, with one it is replaced as after `that is wrong` (`Is that right? No, it is 55.`); a sign of assent or a
 * turn after the `No` (`Is that right? No, wait, it is.`) leaves it to the other rules. */
function denies(tail: string, answer: string): 'retracted' | 'replaced' | null {
  const m = DENIED.exec(tail.slice(0, 160))
  const named = m?.[1] ?? m?.[2] // `Is 60 right? No.`, `Is the answer 60? No.`: about the answer only if it names it
  if (!m || (named !== undefined && named.replace(/^\$|\$$/g, '') !== answer)) return null
  const rest = tail.slice(m[0].length)
  if (/\b(?:yes|right|correct|wait|actually|hmm+|but)\b/i.test(rest)) return null
  return /[\d$\\]/.test(rest) ? 'replaced' : 'retracted'
}

/** A second thought that opens as a correction (`Wait, it's 6.`, `Hmm, no: 6`, `Actually, 6`): the value after it is the
 * answer. */
const CORRECTION_CUE = new RegExp(String.raw`^${OPENS}(?:(?:hmm+|well|oh)[\s,.!…]*)?(?:${CORRECTION_WORDS})\b`, 'i')
/** A second thought that checks (`Wait, let me verify: …`, `Let me recheck`): it replaces the answer only when it says
 * the answer was wrong. */
const CHECK = /\blet me (?:re-?)?(?:check|verify|confirm|double[- ]?check)|\bdouble[- ]?check|\bre-?check|\bverify|\bchecking\b/i

/** A second thought that hedges (the answer is then both values, a list no single gold matches). */
const HEDGED = /\b(?:or|maybe|perhaps|possibly|probably|might|could|not sure|unsure)\b|[?？]/i
/** A second thought that says the answer before it was wrong (the value after it replaces that answer). */
const CORRECTED = new RegExp(
  String.raw`\b(?:actually|wrong|mistakes?|errors?|incorrect|instead|should be|correction|oops|${NO}|scratch|mis(?:read|calculated|computed|counted)|typo|redo|recalculat\w*|recomput\w*)\b`,
  'i',
)

/** A question right after the answer that offers another value as the answer (`\\boxed{60}. Should it be 55?`, `Or is it
 * 55?`): a second thought. One that only mentions a number (`Does that match the 3 × 4 grid? Yes.`) is not. */
const ASKS_VALUE = /^[\s.!;:,*]*[^.!?\n\d]{0,120}\b(?:be|equals?|is\s+it|or|maybe|perhaps)\s+\$?[-+]?\d[\d.,/]*\$?\s*[?？]/i
/** The text's first sentence after the answer, a question, then an interjected `No` (not `No wait`, `No doubt`). */
const QUESTION_NO = new RegExp(String.raw`^${OPENS}([^.!?\n]{1,200})\?\s*(?:no|nope)(?=\s*[,.!:;—–…]|\s*$)(?!\s*[,.!:;—–…]*\s*(?:wait|actually|hold on|hmm)\b)`, 'i')
/** Words that make a question or its answer about the answer's correctness, or a correction (then `No` is not a plain no). */
const ABOUT_ANSWER = /\b(?:answers?|right|correct|incorrect|wrong|true|false|valid|mistakes?|errors?|actually|instead|should be|oops|forg[eo]t|missed|mis\w+|typo|redo|recalculat\w*|recomput\w*)\b/i

/** Whether the text after the answer asks about another value and answers itself "no", with nothing after it that gives
 * a value or says the answer is wrong (`\\boxed{60}. But wait — should we subtract the 5 rotten apples? No, the
 * question asks for all apples.`): the answer stands. */
function answeredNo(tail: string, answer: string): boolean {
  const m = QUESTION_NO.exec(tail.slice(0, 240))
  if (!m) return false
  const rest = tail.slice(m[0].length)
  // `Could the answer be 55? No.`: another value offered as the answer and turned down (not the answer itself)
  const offered = OFFERS_VALUE.test(m[1]) && !mentions(m[1], answer)
  return (offered || !ABOUT_ANSWER.test(m[1])) && !ABOUT_ANSWER.test(rest) && !/[\d$\\?？]/.test(rest)
}

/** A question that offers one value as the answer: `Could the answer be 55`, `Is it 55`, `Should it really be $55$`. */
const OFFERS_VALUE = new RegExp(String.raw`^${LEAD_CUES}(?:could|can|would|should|might|must|is|was)\s+(?:it|that|this|the\s+(?:final\s+)?answer)\s+(?:really\s+)?(?:be\s+)?\$?-?\d[\d,.]*\$?\s*$`, 'i')

/** The first sentence after the answer, a question, answered yes or no (`Did I double count the 5? Yes.`). */
const QUESTION_ANSWERED = new RegExp(String.raw`^${OPENS}([^.!?\n]{1,200})\?\s*(?:(yes|yep|yeah|indeed)|no|nope)\b`, 'i')
/** Words that make a question admit a mistake or weigh a change, where a `Yes` changes the answer. */
const ADMITS = /\b(?:wrong|incorrect|mistakes?|errors?|forg[eo]t|miss\w*|mis(?:read|calculated|computed|counted)|(?:double|over|under)[- ]?count\w*|typo|instead|rather|should|need|must|subtract|add)\b/i
/** A question whether another value is right (`Is 55 correct?`): a `No, it is wrong` after it is about that value. */
const ASKS_RIGHT = /\b(?:right|correct|valid)\b/i

/** Whether the text after the answer asks a question naming a number, answers itself, and that answer changes the
 * answer: a yes to a value offered (`Is it 55 instead? Yes.`), to a mistake or a change (`Did I double count the 5?
 * Yes.`, `Should we subtract the 5? Yes.`); a yes or no followed by a correction (`Nope, the answer is wrong anyway.`)
 * or by another value neither the question nor the rest ties to the answer (`Should we subtract 5? No wait, yes: 55.`,
 * `Is that consistent with 55 apples? Yes, so it is 55.`): a second thought. A check the text passes (`Is that
 * reasonable given 5 apples per basket? Yes.`, `Is 60 divisible by 5? Yes, so each basket gets 12.`) or a change it
 * turns down (`Should we subtract the 5? No.`, `Is 55 correct? No, it is wrong.`) is not. */
function answerChanges(tail: string, answer: string): boolean {
  const m = QUESTION_ANSWERED.exec(tail.slice(0, 240))
  if (!m || !/\d/.test(m[1])) return false
  const q = m[1], yes = m[2] !== undefined
  const rest = tail.slice(m[0].length, m[0].length + 240)
  if (yes && ADMITS.test(q)) return true
  if (CORRECTED.test(rest) && (yes || !ASKS_RIGHT.test(q) || mentions(q, answer))) return true
  return /\d/.test(rest) && !mentions(q, answer) && !mentions(rest, answer)
}

/** Where `value` is last written in `text` as a whole token (not inside a longer number or word), or -1. */
function lastMention(text: string, value: string): number {
  let last = -1
  for (let i = text.indexOf(value); i >= 0; i = text.indexOf(value, i + 1)) {
    const before = text[i - 1] ?? ' '
    const after = text[i + value.length] ?? ' '
    if (!/[\w.]/.test(before) && !/\w/.test(after) && !/\.\d/.test(text.slice(i + value.length, i + value.length + 2))) last = i
  }
  return last
}

const mentions = (text: string, value: string) => lastMention(text, value) >= 0

/** What gives a corrected value as the answer right before it: a verb or sign (`it's 6`, `it is $6$`, `should be 6`,
 * `: 6`, `= 6`, `gives 6`). */
const ASSERTS = /(?:\b(?:is|it's|be|equals?|gives?|gets?|got|makes?|totals?)|[:=])[\s$]*$/i
/** Nothing but correction cues before the value (`No wait, 6`, `Actually, 6.`). */
const CUES_ONLY = /^[\s.!?;:,。！？；…*—–]*(?:(?:hmm+|well|oh|wait|actually|no|oops)[\s,.!:;…—–]*)+$/i

/** Whether a correction gives its later value as the answer (then it replaces the answer): the value is anchored
 * (boxed, "the answer is"), asserted (`Wait, actually it's 6`), or follows the cue alone (`No wait, 6`). A correction
 * that only mentions another value (`Actually, we can also see this from 3 × 4`) leaves the answer open (a list). */
function asserted(tail: string, later: Found, found: Found): boolean {
  if (ANCHORED.has(later.by)) return true
  const at = lastMention(tail, later.answer)
  if (at < 0) return false
  const before = tail.slice(Math.max(0, at - 40), at)
  if (!ASSERTS.test(before)) return CUES_ONLY.test(tail.slice(0, at))
  // A variable's value (`the case n = 2`, `where n is 2`, `2x = 4`) asserts the answer only when the answer gave that
  // same variable (`\boxed{x = 12}. Wait, actually x = 2.`): another variable's value is a side remark, and which one
  // the problem asks for is unknown, so it leaves the answer open (a list).
  const v = VAR_ASSERTS.exec(before)
  return !v || lhsOf(found.answer) === v[1].replace(/[{}\s]/g, '')
}

/** A one-letter variable (with a subscript) given a value right before it: `n = `, `x_1 = `, `n is `, `n must be `. */
const VAR_ASSERTS = /(?<![a-zA-Z\\'])([a-zA-Z](?:_\{?[a-zA-Z0-9]+\}?)?)\s*(?:=|\b(?:is|equals?)\b|(?:\s+(?:must|should|would|will|can|could))?\s+be\b)[\s$]*$/

/** The variable an answer assigns (`x = 12` → `x`), spaces and braces dropped, or null. */
function lhsOf(answer: string): string | null {
  const m = /^\s*([a-zA-Z](?:_\{?[a-zA-Z0-9]+\}?)?)\s*=(?!=)/.exec(answer)
  return m ? m[1].replace(/[{}\s]/g, '') : null
}

/** An anchored answer revised by what follows it (R1-style self-correction). The text after it that opens with a
 * second thought is read on its own; when it holds a different value: a hedge (`maybe`, `might`, `or`, a question)
 * makes the answer both values, a list that matches no single gold; a correction (`Wait, it's 6`, `actually`, `wrong`,
 * `mistake`, `no`, …) makes the later value the answer; a check or a musing that names the answer again (`Wait, let me
 * verify: 12 × 3 = 36`) leaves it; one that does not leaves the answer open between both values (a list). */
function revised(text: string, found: Candidate, order: readonly Extractor[]): Found | null {
  const tail = text.slice(found.close)
  const denial = denies(tail, found.answer)
  if (denial === 'retracted') return null
  const head = tail.slice(0, 96)
  const second = SECOND_THOUGHT.test(head) || ASKS_VALUE.test(tail.slice(0, 160)) || answerChanges(tail, found.answer)
  const turn = !second && HEDGE_OPEN.test(head)
  const retracted = denial === 'replaced' || retracts(tail)
  if (!second && !turn && !retracted) return found
  const later = extractFrom(tail, order, false)
  if (!later) return retracted ? null : found
  if (later.answer === found.answer) return found
  const hedge = { ...found, answer: `${found.answer}, ${later.answer}`, plain: found.plain && later.plain, percent: false }
  if (!retracted && answeredNo(tail, found.answer)) return found
  if (HEDGED.test(tail)) return hedge
  if (turn && !retracted) return found
  if (retracted || CORRECTED.test(tail) || (!CHECK.test(head) && CORRECTION_CUE.test(head))) return asserted(tail, later, found) ? later : hedge
  // A check or a musing (`Hmm, let me also consider x = 0: …`) that names the answer again leaves it; one that does not
  // leaves the final answer open between the two values: a list, which matches neither alone.
  return mentions(tail, found.answer) ? found : hedge
}

function extractFrom(text: string, order: readonly Extractor[], revise = true): Found | null {
  let after = -1
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j + 1 < order.length && ANCHORED.has(order[j + 1]) === ANCHORED.has(order[i])) j++
    const cands = order
      .slice(i, j + 1)
      .flatMap((by) => candidates(text, by))
      .filter((c) => c.at > after)
      .sort((a, b) => b.at - a.at)
    // An anchored answer that is not well formed is not replaced by anything written before it.
    const found = firstUsable(ANCHORED.has(order[i]) ? cands.slice(0, 1) : cands)
    if (found) {
      // A trailing value the text then calls wrong (`So it is 12. Wait, that is wrong.`) is no answer either.
      if (revise && found.close === undefined && found.end !== undefined && (retracts(text.slice(found.end)) || denies(text.slice(found.end), found.answer) === 'retracted'))
        return null
      const last = revise && found.close !== undefined ? revised(text, found, order) : found
      if (!last) return null
      const { at: _, end: _e, close: _c, ...rest } = last as Candidate
      return rest
    }
    if (ANCHORED.has(order[i]) && cands.length > 0) after = cands[0].at
    i = j + 1
  }
  return null
}

/** A chat-template turn marker (`<|im_start|>`, `<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`, …). */
const TURN_MARKER = /<\|(?:im_start|im_end|endoftext|eot_id|end_of_text|start_header_id|end)\|>/g

/** The text up to the first turn marker written after some content: a model that runs on into a made-up next turn
 * (`… I hope it is correct. <|im_start|>user …`) has ended its answer there. */
function ownTurn(text: string): string {
  for (const m of text.matchAll(TURN_MARKER)) if (text.slice(0, m.index).replace(TURN_MARKER, '').trim()) return text.slice(0, m.index)
  return text
}

/** A LaTeX command whose backslash was read as a string escape on its way through JSON or a Python literal: `\f`rac
 * became a form feed, `\b`oxed a backspace, `\v`ec a vertical tab, `\a`lpha a bell. These characters have no use in
 * text, so one before a letter is restored (a backslash already before it was the command's own). A tab or a
 * carriage return (`\t`imes, `\r`ight) is whitespace in text and stays so, as Math-Verify reads it. */
const MANGLED = /\\?([\x07\x08\x0b\x0c])(?=[a-zA-Z])/g
const ESCAPED: Record<string, string> = { '\x07': 'a', '\x08': 'b', '\x0b': 'v', '\x0c': 'f' }

/** The text with mangled LaTeX escapes restored (`\x0crac{1}{2}` → `\frac{1}{2}`); unchanged when it has none. */
export function repairEscapes(text: string): string {
  if (!/[\x07\x08\x0b\x0c]/.test(text)) return text
  return text.replace(MANGLED, (_, ctl: string) => `\\${ESCAPED[ctl]}`)
}

/** The final answer and how it was found, or null. The completion ends at a chat-template turn marker written after
 * it (ownTurn); text before the last `</think>` is reasoning, not answer. LaTeX commands mangled by string escapes
 * are restored first (repairEscapes). */
export function extractAnswer(input: string, order: readonly Extractor[] = DEFAULT_EXTRACT_ORDER): Found | null {
  const raw = repairEscapes(input)
  const text = raw.includes('<|') ? ownTurn(raw) : raw
  const think = text.lastIndexOf('</think>')
  const answer = think >= 0 ? text.slice(think + 8) : text
  const next = NEXT_PROBLEM.exec(answer)
  if (next) {
    const own = extractFrom(answer.slice(0, next.index), order)
    if (own && ANCHORED.has(own.by)) return own
  }
  return extractFrom(answer, order)
}

/** A made-up next problem after the answer, as a base model continues a few-shot prompt (`…The answer is 18.\n\n
 * Question: John has 5 apples…`): a paragraph opening with `Question:` or `Problem:` (or a `### Problem` heading).
 * lm-evaluation-harness' gsm8k and minerva_math tasks and Qwen2.5-Math's evaluation stop generating there; so does
 * extraction, when the text before it concludes with an anchored answer (boxed, `####`, `<answer>`, "the answer is"):
 * a problem restated mid-solution is not cut. */
const NEXT_PROBLEM = /\n[ \t]*\n[ \t]*(?:#{1,4}[ \t]*)?(?:Question|Problem)[ \t]*\d*[ \t]*[:：]|\n[ \t]*#{2,4}[ \t]*(?:Question|Problem)\b/
