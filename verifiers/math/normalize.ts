/**
 * Answer normalisation before comparison (in the spirit of hendrycks' MATH `strip_string` and Math-Verify's
 * LaTeX normalisation). Removes presentation that does not change the value: math delimiters (`$`, `\(`, `\[`),
 * `\boxed{}`, `\text{}`/`\mathrm{}` wrappers (unit words after a number are dropped), `\left`/`\right` and
 * sizing commands, thin spaces, `^\circ`/degrees, `\$`, thousands separators (`1,000`, `1{,}000`, `1\,000`),
 * `\dfrac`/`\tfrac`, `\frac12`, `\sqrt2`, a trailing period, and "or"/"and" between answers (→ a list).
 * Percent signs are removed and remembered (`percent`), so `50\%` can match `50` or `0.5`.
 */
import { braceGroup } from './extract.js'

export interface Normalized {
  text: string
  percent: boolean
}

const UNIT_WORDS =
  /\s*(?:(?:sq(?:uare)?\.?\s*)?(?:units?|cm|mm|km|m|meters?|metres?|inch(?:es)?|in|ft|feet|foot|yards?|yd|miles?|mi|kg|g|grams?|mg|lbs?|pounds?|ounces?|oz|liters?|litres?|ml|l|gallons?|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?|years?|dollars?|cents?|degrees?|radians?|rad|mph|km\/h|percent|people|students|apples|points?)(?:\^?\{?[23]\}?)?)\s*$/i

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

export function normalizeAnswer(input: string): Normalized {
  let s = input.trim()
  // Math delimiters.
  s = s.replace(/^\$\$?|\$\$?$/g, '').replace(/^\\\(|\\\)$/g, '').replace(/^\\\[|\\\]$/g, '')
  s = mapCommand(s, '\\boxed', (b) => b)
  // Unit-like text after a number is dropped; other \text content is kept.
  for (const cmd of ['\\text', '\\textbf', '\\textit', '\\mathrm', '\\mathbf', '\\mbox', '\\operatorname'])
    s = mapCommand(s, cmd, (b) => ` ${b} `)
  s = s
    .replace(/\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])\s*\\?/g, (m) => (m.endsWith('\\') ? '\\' : ''))
    .replace(/\\(?:displaystyle|textstyle|!|,|;|:|quad|qquad)(?![a-zA-Z])/g, (m) => (m === '\\,' ? '\u2009' : ''))
    .replace(/\\ /g, ' ')
    .replace(/~/g, ' ')
    .replace(/\\[dt]frac/g, '\\frac')
    .replace(/\u2212/g, '-')
    .replace(/\^\s*\{?\s*\\circ\s*\}?|°|\\degree/g, '')
    .replace(/\\\$|\$/g, '')
    .replace(/\\(?:le|leq)(?![a-zA-Z])/g, '\\le ')
    .replace(/\\(?:ge|geq)(?![a-zA-Z])/g, '\\ge ')
  let percent = false
  s = s.replace(/\\?%|\\percent/g, () => {
    percent = true
    return ''
  })
  // Thousands separators: 1{,}000, 1\,000 (thin space marked above), 1,000,000 (groups of exactly three digits).
  s = s.replace(/(\d)\{,\}(?=\d{3})/g, '$1').replace(/(\d)\u2009(?=\d{3}(?!\d))/g, '$1').replace(/\u2009/g, ' ')
  s = s.replace(/(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d.,]\d|\d)/g, (m) => m.replace(/,/g, ''))
  // \frac12 → \frac{1}{2}, \sqrt2 → \sqrt{2}.
  s = s.replace(/\\frac(\d)(\d)/g, '\\frac{$1}{$2}').replace(/\\frac\{([^{}]*)\}(\d)/g, '\\frac{$1}{$2}')
  s = s.replace(/\\sqrt(\d+)/g, '\\sqrt{$1}')
  // Words between alternatives: "3 or 4", "3 and 4" → a list.
  s = s.replace(/\s+(?:or|and)\s+/gi, ', ')
  s = s.replace(/\s+/g, ' ').replace(/([([{])\s+/g, '$1').replace(/\s+([)\]}])/g, '$1').trim()
  // Trailing unit words after a number ("18 dollars", "5 cm^2"), trailing period.
  s = s.replace(/\.$/, '').trim()
  if (/\d/.test(s)) {
    const stripped = s.replace(UNIT_WORDS, '')
    if (stripped !== s && /[\d}]$/.test(stripped)) s = stripped.trim()
  }
  s = s.replace(/\.$/, '').trim()
  // Leading ".5" → "0.5"; "+3" → "3".
  s = s.replace(/(^|[^\d])\.(\d)/g, '$10.$2').replace(/^\+/, '')
  return { text: s, percent }
}
