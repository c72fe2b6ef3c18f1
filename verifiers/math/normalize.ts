/**
 * Answer normalisation before comparison (in the spirit of hendrycks' MATH `strip_string` and Math-Verify's
 * LaTeX normalisation). Removes presentation that does not change the value: math delimiters, `\boxed{}`,
 * `\text{}`/`\mathrm{}` wrappers (unit words after a number are dropped: long ones may touch the number, short
 * ones need a space, so `10cm` stays; spelled-out ones also inside a tuple: `[45 degrees]`; a trailing word-only
 * `\text{}` after a value is commentary unless a word changes the value), `\left`/`\right` and sizing commands, thin spaces, degrees, currency
 * (`\$`, €, £, ¥), thousands separators (`1,000`, `1{,}000`, `1\,000`, `1,\!000`, `1 000`), a decimal comma in
 * prose (`2,74`; `plain` answers only; a bare `0,1` also keeps its reading as a pair, `pair`), `\dfrac`/`\tfrac`/`\cfrac`, `\frac12`, `\frac3{3}`, `\sqrt2`, base
 * subscripts `_{7}`, sentence punctuation, `x \in`, and "or"/"and" between answers (→ a list). Relations are
 * spelled one way (`<=` → `\le`, `!=` → `\ne`). Percent signs and words (`%`, percent, pct, also glued to a number: `28pct`) are
 * removed and remembered (`percent`); in a list where only some values carry one (`1/2 or 50%`), each keeps its
 * own, written `50\%` (structure.ts).
 */
import { braceGroup } from './extract.js'

export interface Normalized {
  text: string
  percent: boolean
  /** A bare `0,1` in prose reads as the decimal 0.1 (`text`) or as the pair `0, 1` (this); compare.ts picks. */
  pair?: string
}

/** Unit words dropped after a number: long ones may touch it (`10weeks`), short ones need a space (`10 cm`). */
const LONG_UNIT = String.raw`(?:units?|meters?|metres?|inch(?:es)?|feet|foot|yards?|miles?(?:\s*per\s*hour)?|grams?|pounds?|ounces?|liters?|litres?|gallons?|seconds?|minutes?|hours?|days?|weeks?|months?|years?|dollars?|cents?|degrees?|radians?|people|students|points?|times)`
const SHORT_UNIT = String.raw`(?:cm|mm|km|m|in|ft|yd|mi|kg|g|mg|lbs?|oz|ml|l|L|mL|s|secs?|mins?|hrs?|h|rad|mph)`
/** A unit per another (`m/s`, `kg/m^3`, `g/cm^3`, `m/s^2`). */
const PER_UNIT = String.raw`(?:\s*\/\s*(?:${LONG_UNIT}|${SHORT_UNIT})(?:\s*\^?\{?[23]\}?)?)?`
const UNIT = String.raw`(?:(?:sq(?:uare)?\.?\s*|cubic\s*)?(?:${LONG_UNIT}|(?<=\s)(?:${SHORT_UNIT}|km\/h)))(?:\s*\^?\{?[23]\}?)?${PER_UNIT}`
const UNIT_WORDS = new RegExp(String.raw`\s*${UNIT}\s*$`, 'i')
/** A spelled-out unit, alone or "per" another word, after an expression that ends in a letter or a bracket
 * (`\frac{7}{12}x dollars`, `\frac{6\pi}{x} radians per second`, `(7x) dollars`): a separate word. */
const WORD_UNIT = new RegExp(String.raw`(?<=[a-zA-Z})])\s+(?:(?:sq(?:uare)?|cubic)\s+)?${LONG_UNIT}(?:\s+per\s+[a-z]+)?\s*$`, 'i')
/** A unit word after a number inside a tuple, interval or list (`[45 degrees]`, `(3 meters, 4 meters)`): spelled-out
 * units only, since a one- or two-letter one there may be a variable. */
const UNIT_IN_ITEM = new RegExp(String.raw`(\d)\s*${LONG_UNIT}\s*(?=[)\],])`, 'gi')

/** A trailing `\text{…}` or `\mathrm{…}` of words after a value (a digit, `}` or `)`, spaces or a thin space between): a
 * unit or a label (`\frac{1}{3} \text{x}`, `5\text{m}`, `12\text{ apples}`, `\frac{48}{5}\,\mathrm{A}`); an upright letter
 * is no variable. The upright constants `\text{i}` and `\text{e}` are values. */
const TRAILING_NOTE = /(?<=[\d})])(?:\s|\\[,;:!])*\\(?:text|textbf|textrm|textnormal|mbox|mathrm)\s*\{\s*([a-zA-Z]+(?:\s+[a-zA-Z]{3,})*)\s*\}\s*$/
/** Words that change the value or the claim: multipliers, parts, powers, comparisons, functions (`2\text{ thousand}`,
 * `5\text{ or more}`, `3\text{ squared}` keep their text and are not read as the bare number). */
const VALUE_WORDS =
  /\b(?:more|less|fewer|least|most|than|not|and|plus|minus|times|over|under|above|below|per|squared|cubed|factorial|roots?|powers?|inverse|reciprocal|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|score|halves|thirds?|quarters?|fourths?|fifths?|tenths?|hundredths?|thousandths?|millionths?|percent(?:age)?|sin|cos|tan|log|exp)\b/i

/** LaTeX's named spaces, as the short forms read below (the negative ones remove space, as `\!` does). */
const NAMED_SPACE: Record<string, string> = { thin: '\\,', med: '\\:', thick: '\\;', negthin: '\\!', negmed: '\\!', negthick: '\\!', en: ' ' }

const TRIG = /\\(?:sin|cos|tan|cot|sec|csc)(?![a-z])/

/** Replace each `\cmd{body}` by `f(body)`. */
function mapCommand(s: string, cmd: string, f: (body: string) => string): string {
  let out = ''
  let i = 0
  for (;;) {
    const j = s.indexOf(cmd, i)
    if (j < 0) return out + s.slice(i)
    let k = j + cmd.length
    while (s[k] === ' ') k++
    const g = s[k] === '{' ? braceGroup(s, k) : null
    if (!g) {
      out += s.slice(i, j + cmd.length)
      i = j + cmd.length
      continue
    }
    out += s.slice(i, j) + f(g.body)
    i = g.end
  }
}

/** A function written the plain (calculator, SymPy) way and applied to a parenthesised argument: `sin(x)`, `asin(a)`, `asinh(a)`;
 * raised to a power before its bracket (`sin^2(x)`); or, as LaTeX writes `\sin x`, applied to one letter or a number after a
 * space (`csc x`, `cos 2x`; not `tan car`). Not `log` (base 10 on a calculator, e in Python and SymPy) and not `sqrt(…)`
 * (its conversion to `\sqrt{…}` cost a held-out false positive when tried: left as it was). */
const PLAIN_FUNCTION =
  /(?<![a-zA-Z\\])(arcsinh|arccosh|arctanh|arsinh|arcosh|artanh|asinh|acosh|atanh|arcsin|arccos|arctan|asin|acos|atan|sinh|cosh|tanh|csch|sech|coth|cosech|cosec|sin|cos|tan|cot|sec|csc|ln|exp)(?=\s*\(|\^\s*(?:\d|\{\d+\})\s*\(| +(?:[a-zA-Z](?![a-zA-Z])|\d))/g
/** Short names of inverse functions (`asin` as in calculators and SymPy) and other spellings, as LaTeX writes them. */
const INVERSE: Record<string, string> = {
  ...{ asin: 'arcsin', acos: 'arccos', atan: 'arctan', asinh: 'arsinh', acosh: 'arcosh', atanh: 'artanh' },
  // British names of the cosecants.
  ...{ cosec: 'csc', cosech: 'csch' },
}
/** `\operatorname{…}` of a function the CAS knows: the function, not a word. */
const OPERATOR_FUNCTION =
  /\\operatorname\s*\{\s*(arcsinh|arccosh|arctanh|arsinh|arcosh|artanh|asinh|acosh|atanh|arcsin|arccos|arctan|asin|acos|atan|sinh|cosh|tanh|csch|sech|coth|cosech|cosec|sin|cos|tan|cot|sec|csc|ln|log|exp)\s*\}/g
/** `abs` applied to a bracket: the absolute value. */
const PLAIN_ABS = /(?<![a-zA-Z\\])abs\s*\(/
/** A Greek letter's name (or pi) as a word. */
const PLAIN_GREEK = /(?<![a-zA-Z\\])(?:alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|upsilon|phi|chi|psi|omega)(?![a-zA-Z])/g
/** What touches a term of an expression: an operator, a bracket, a digit. */
const TERM_BEFORE = /[-+*/^=(,{[\d]$/
const TERM_AFTER = /^[-+*/^=),}\]]/

/** Plain notation as LaTeX: `sin(theta)` → `\sin(\theta)`, `asin(a)` → `\arcsin(a)`, `exp(x)` → `\exp(x)`, `abs(x)` → `|x|`,
 * `2*pi` → `2*\pi`.
 * Otherwise these read as products of letters (`s·i·n·x`). */
function plainNotation(s: string): string {
  if (!/[a-z]/.test(s)) return s
  s = s.replace(PLAIN_FUNCTION, (_, f: string) => `\\${INVERSE[f] ?? f}`)
  // `abs(x)` is |x|.
  for (let j = s.search(PLAIN_ABS); j >= 0; j = s.search(PLAIN_ABS)) {
    const open = s.indexOf('(', j)
    const close = closeParen(s, open)
    if (close < 0) break
    s = `${s.slice(0, j)}|${s.slice(open + 1, close)}|${s.slice(close + 1)}`
  }
  // A Greek letter's name is the letter where it is a term of an expression (`sin(theta)`, `2*pi`, `pi/2`, `2 pi`) or
  // is `pi` alone; a word standing alone is left as written (`Beta`, `eta` may be names or word answers).
  return s.replace(PLAIN_GREEK, (m, at: number) => {
    const before = s.slice(0, at).trimEnd()
    const after = s.slice(at + m.length).trimStart()
    return TERM_BEFORE.test(before) || TERM_AFTER.test(after) || (m === 'pi' && !before && !after) ? `\\${m}` : m
  })
}

/** The end of the balanced parenthesis group opening at `open`, or -1. */
function closeParen(s: string, open: number): number {
  let depth = 0
  for (let k = open; k < s.length; k++) {
    if (s[k] === '(') depth++
    else if (s[k] === ')' && --depth === 0) return k
  }
  return -1
}

/** A superscript takes a whole operand: a bracketed group written the plain way (`x^(1/3)`, `e^(i\pi)`: not `x^(` times
 * `1/3)`), a whole integer (`x^13`, `10^12`: not TeX's `x^1` times 3) or a fraction with its two arguments
 * (`x^\frac{1}{2}`, as TeX reads it): each is braced. */
function superscriptOperands(s: string): string {
  if (!s.includes('^')) return s
  let out = ''
  let i = 0
  for (let j = s.indexOf('^'); j >= 0; j = s.indexOf('^', i)) {
    let k = j + 1
    while (s[k] === ' ') k++
    let end = -1
    if (s[k] === '(') end = closeParen(s, k) + 1
    else if (/^\d{2,}(?![\d.,])/.test(s.slice(k, k + 16))) end = k + /^\d+/.exec(s.slice(k))![0].length
    else if (s.startsWith('\\frac', k) && !/[a-zA-Z]/.test(s[k + 5] ?? '')) {
      let m = k + 5
      while (s[m] === ' ') m++
      const num = s[m] === '{' ? braceGroup(s, m) : null
      let n = num ? num.end : -1
      while (n > 0 && s[n] === ' ') n++
      const den = num && s[n] === '{' ? braceGroup(s, n) : null
      end = den ? den.end : -1
    }
    if (end > 0) {
      out += `${s.slice(i, j)}^{${s.slice(k, end)}}`
      i = end
    } else {
      out += s.slice(i, k)
      i = k
    }
  }
  return out + s.slice(i)
}

/** A percent sign or word (`%`, `\%`, `\percent`, percent, percentage, pct, also glued to a number: `28pct`). */
const PERCENT = /\s*(?:\\?%|\\percent\b|(?<![a-zA-Z])(?:percent(?:age)?|pct)\b)/gi

/** The items of a list (split at a top-level `, `, "or" or "and"), or null when it is not one. */
function listItems(s: string): string[] | null {
  const items: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') {
      if ('{}'.includes(s[i + 1] ?? '')) depth += s[i + 1] === '{' ? 1 : -1
      i++
    } else if ('{[('.includes(c)) depth++
    else if ('}])'.includes(c)) depth--
    else if (depth === 0) {
      const m = /^(?:,\s*(?:(?:or|and)\s+)?|\s+(?:or|and)\s+)/i.exec(s.slice(i))
      if (m && (m[0] !== ',' || /\s/.test(s[i + 1] ?? ''))) {
        if (m[0] === ',') continue
        items.push(s.slice(start, i))
        start = i + m[0].length
        i = start - 1
      }
    }
  }
  items.push(s.slice(start))
  return items.length > 1 && items.every((x) => x.trim()) ? items : null
}

export function normalizeAnswer(input: string, opts: { plain?: boolean } = {}): Normalized {
  let s = input.trim()
  if (/^-?\d{1,15}(?:\.\d{1,15})?$/.test(s)) return { text: s, percent: false } // a plain number: nothing to strip
  // A list in which some values carry a percent sign and others do not (`1/2 or 50%`): each value keeps its own,
  // written `50\%` (structure.ts reads it back), so 1/2 is not read as 1/2 %.
  if (/%|percent|pct/i.test(s)) {
    const items = listItems(s.replace(/^\$\$?|\$\$?$/g, ''))
    const marked = items?.map((x) => new RegExp(PERCENT.source, 'i').test(x))
    if (items && marked!.some(Boolean) && !marked!.every(Boolean)) {
      const parts = items.map((x) => normalizeAnswer(x, opts))
      return { text: parts.map((n) => (n.percent ? `${n.text}\\%` : n.text)).join(', '), percent: false }
    }
  }
  // A doubled backslash before a command (`\\frac` from over-escaped JSON) is one backslash, outside matrices.
  if (!s.includes('\\begin')) s = s.replace(/\\\\(?=[a-zA-Z])/g, '\\')
  // Math delimiters.
  s = s.replace(/^\$\$?|\$\$?$/g, '').replace(/^\\\(|\\\)$/g, '').replace(/^\\\[|\\\]$/g, '')
  s = mapCommand(s, '\\boxed', (b) => b)
  // Thousands groups written `1,\!000` or `1,\! 000` (before `\!` is dropped and the comma reads as a list).
  s = s.replace(/(\d),\\!\s?(?=\d{3}(?!\d))/g, '$1')
  // A \text of words only, closing an answer after its value, is commentary on it (`\boxed{12 \text{ apples}}`,
  // `17\text{ any text}`, `\frac{1}{3} \text{x}`), as prose after a number is: dropped, unless a word changes the value
  // or the claim, or it is the upright constant i or e.
  s = s.replace(TRAILING_NOTE, (m, words: string) => (VALUE_WORDS.test(words) || /^[ie]$/.test(words) ? m : ''))
  // Unit-like text after a number is dropped later; other \text content is kept.
  s = s.replace(OPERATOR_FUNCTION, (_, f: string) => `\\${INVERSE[f] ?? f}`).replace(/\\cosec(h?)(?![a-zA-Z])/g, '\\csc$1')
  for (const cmd of ['\\text', '\\textbf', '\\textit', '\\textnormal', '\\textrm', '\\mathrm', '\\mathbf', '\\mbox', '\\operatorname'])
    s = mapCommand(s, cmd, (b) => ` ${b} `)
  s = plainNotation(s)
  s = s
    // Named spaces are their short forms (`\thinspace` is `\,`, `\negthinspace` `\!`); `\enspace` is a space.
    .replace(/\\(thin|med|thick|negthin|negmed|negthick|en)space(?![a-zA-Z])/g, (_, w: string) => NAMED_SPACE[w])
    .replace(/\\(?:left|right|big|Big|bigg|Bigg)[lr]?(?![a-zA-Z])\s*\\?/g, (m) => (m.endsWith('\\') ? '\\' : ''))
    .replace(/\\(?:displaystyle|textstyle|!|,|;|:|quad|qquad)(?![a-zA-Z])/g, (m) => (m === '\\,' ? '\u2009' : ''))
    .replace(/(?<!\\)\\ /g, ' ')
    .replace(/~/g, ' ')
    .replace(/\\[dtc]frac/g, '\\frac')
    // Infinity spelled out (`infinity`, `Infinity`, `inf`; not the infimum `\inf`) is ∞.
    .replace(/(?<![\\a-zA-Z])(?:infinity|inf)(?![a-zA-Z])/gi, '\\infty')
    .replace(/\u2212/g, '-')
    // Degrees: radians inside a trigonometric function (`\sin(90^\circ - x)`), else dropped (`90^\circ` is 90).
    .replace(/(\d+(?:\.\d+)?)\s*(?:\^\s*\{?\s*\\circ\s*\}?|°|\\degree)/g, (_, d: string) => (TRIG.test(s) ? `\\frac{${d}\\pi}{180}` : d))
    .replace(/\^\s*\{?\s*\\circ\s*\}?|°|\\degree/g, '')
    .replace(/\\\$|\$|[€£¥]/g, '')
    .replace(/<=|≤/g, '\\le ')
    .replace(/>=|≥/g, '\\ge ')
    .replace(/!=|≠|\\neq?(?![a-zA-Z])/g, '\\ne ')
    .replace(/\\lt(?![a-zA-Z])/g, '<')
    .replace(/\\gt(?![a-zA-Z])/g, '>')
    .replace(/\\(?:le|leq)(?![a-zA-Z])/g, '\\le ')
    .replace(/\\(?:ge|geq)(?![a-zA-Z])/g, '\\ge ')
  let percent = false
  s = s.replace(PERCENT, () => {
    percent = true
    return ''
  })
  // Thousands separators: 1{,}000, 1\,000 (thin space marked above), 1 000, 1,000,000 (groups of exactly three digits).
  s = s.replace(/(\d)\{,\}(?=\d{3})/g, '$1').replace(/(\d)\u2009(?=\d{3}(?!\d))/g, '$1').replace(/\u2009/g, ' ')
  s = s.replace(/(?<![\d.,])[1-9]\d{0,2}(?:,\d{3})+(?=\.\d|(?![\d,]))/g, (m, at: number) =>
    /[([,]\s*[-+]?$/.test(s.slice(0, at)) && /^\s*[)\],]/.test(s.slice(at + m.length)) ? m : m.replace(/,/g, ''),
  )
  s = s.replace(/(?<![\d.,/] ?)\d{1,3}(?: \d{3})+(?![\d/,.])/g, (m) => m.replace(/ /g, ''))
  // A decimal comma in prose: `2,74`, `1000,99`, `0,111` (not a thousands group). Written without a space it may
  // also be a pair (`0,1`): that reading is kept beside it, and compare.ts takes the one the other side's shape asks.
  s = s.trim()
  let pair: string | undefined
  if (opts.plain && (/^[-+]?0,\d{3}$/.test(s) || (/^[-+]?\d+,\d+$/.test(s) && !/^[-+]?\d{1,3},\d{3}$/.test(s)))) {
    if (!percent) pair = s.replace(',', ', ')
    s = s.replace(',', '.')
  }
  s = superscriptOperands(s)
  // \frac12 → \frac{1}{2}, \frac3{3} → \frac{3}{3}, \frac{1}2 → \frac{1}{2}, \sqrt2 → \sqrt{2}.
  s = s.replace(/\\frac(\d)(\d)/g, '\\frac{$1}{$2}').replace(/\\frac(\d)\{/g, '\\frac{$1}{').replace(/\\frac\{([^{}]*)\}(\d)/g, '\\frac{$1}{$2}')
  s = s.replace(/\\sqrt(\d+)/g, '\\sqrt{$1}').replace(/\\sqrt\s+(\d+|[a-zA-Z])/g, '\\sqrt{$1}')
  // Base subscripts: 4210_{7} → 4210_7.
  s = s.replace(/_\{(\d+)\}/g, '_$1')
  // Words between alternatives: "3 or 4", "19, 46, and 82" → a list.
  s = s.replace(/\s*,?\s+(?:or|and)\s+/gi, ', ')
  s = s.replace(/\s+/g, ' ').replace(/([([{])\s+/g, '$1').replace(/\s+([)\]}])/g, '$1').trim()
  // Sentence punctuation inside the math (`\frac{1}{3}.`, `(1,2),`), not an ellipsis.
  s = s.replace(/(?<!\.)\s*[.,;:]$/, '').trim()
  // `x \in [0,1)` is the set; `\text{(C)}` is C.
  s = s.replace(/^[a-zA-Z]\s*\\in\s*/, '').replace(/^\(([A-Za-z])\)$/, '$1')
  // Trailing unit words after a number ("18 dollars", "5 cm^2", "6 miles per hour").
  if (/\d/.test(s)) {
    const stripped = s.replace(UNIT_WORDS, '')
    if (stripped !== s && /[\d}]$/.test(stripped)) s = stripped.trim()
    else s = s.replace(WORD_UNIT, '').trim()
    if (/^[([{]/.test(s)) s = s.replace(UNIT_IN_ITEM, '$1')
  }
  s = s.replace(/(?<!\.)\.$/, '').trim()
  // Leading ".5" → "0.5"; "+3" → "3".
  s = s.replace(/(^|[^\d])\.(\d)/g, '$10.$2').replace(/^\+(?=[\d.])/, '')
  return pair ? { text: s, percent, pair } : { text: s, percent }
}
