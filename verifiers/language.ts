/**
 * `language`: DeepSeek-R1's language-consistency reward — the fraction of the answer's letters written in the
 * target language's script(s). Only letters count (digits, punctuation, whitespace and emoji are neutral); LaTeX
 * math (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`), LaTeX commands, tags and fenced code are removed first (linear
 * indexOf scans). A text with no letters scores 0. `region: 'think'` scores only the `<think>…</think>` part (R1
 * applied it to the chain of thought). Scripts are Unicode Script properties, so this measures the script, not
 * the language: English and French both count as Latin.
 */
import { z } from 'zod'
import { eachCompletion, zero } from './limits.js'
import type { VerifierDef } from './types.js'

/** Target language → the Unicode scripts its text is written in. */
export const LANGUAGE_SCRIPTS: Record<string, string[]> = {
  en: ['Latin'], fr: ['Latin'], de: ['Latin'], es: ['Latin'], it: ['Latin'], pt: ['Latin'], nl: ['Latin'],
  vi: ['Latin'], id: ['Latin'], tr: ['Latin'], pl: ['Latin'],
  zh: ['Han'], ja: ['Han', 'Hiragana', 'Katakana'], ko: ['Hangul', 'Han'],
  ru: ['Cyrillic'], uk: ['Cyrillic'], ar: ['Arabic'], fa: ['Arabic'], hi: ['Devanagari'], el: ['Greek'],
  he: ['Hebrew'], th: ['Thai'],
}

export const languageSpec = z
  .object({
    type: z.literal('language'),
    language: z.enum(Object.keys(LANGUAGE_SCRIPTS) as [string, ...string[]]),
    region: z.enum(['all', 'think']).default('all'),
  })
  .strict()
export type LanguageSpec = z.infer<typeof languageSpec>

const scriptRe = new Map<string, RegExp>()
function inScripts(scripts: string[]): RegExp {
  const key = scripts.join(',')
  let re = scriptRe.get(key)
  if (!re) {
    re = new RegExp(`[${scripts.map((s) => `\\p{Script=${s}}`).join('')}]`, 'u')
    scriptRe.set(key, re)
  }
  return re
}

/** Blank out every `open … close` region (indexOf scanning: linear; an unclosed opener keeps the rest). */
function blankRegions(text: string, open: string, close: string): string {
  let out = ''
  let i = 0
  for (;;) {
    const a = text.indexOf(open, i)
    if (a < 0) return out + text.slice(i)
    const b = text.indexOf(close, a + open.length)
    if (b < 0) return out + text.slice(i)
    out += text.slice(i, a) + ' '
    i = b + close.length
  }
}

const REGIONS: [string, string][] = [['```', '```'], ['$$', '$$'], ['\\[', '\\]'], ['\\(', '\\)'], ['$', '$']]
const LETTER = /\p{L}/u

/** Fraction of letters in `scripts`, or null when there are no letters. */
export function scriptFraction(text: string, scripts: string[]): number | null {
  let stripped = text
  for (const [open, close] of REGIONS) stripped = blankRegions(stripped, open, close)
  stripped = stripped.replace(/\\[a-zA-Z]+/g, ' ').replace(/<\/?[a-zA-Z][\w-]*>/g, ' ')
  const target = inScripts(scripts)
  let letters = 0
  let hits = 0
  for (const ch of stripped) {
    if (!LETTER.test(ch)) continue
    letters++
    if (target.test(ch)) hits++
  }
  return letters === 0 ? null : hits / letters
}

export const language: VerifierDef<LanguageSpec> = {
  score(spec, input, ctx) {
    const scripts = LANGUAGE_SCRIPTS[spec.language]
    return eachCompletion(input.completions, ctx, (c) => {
      let text = c
      if (spec.region === 'think') {
        const open = c.indexOf('<think>')
        const close = c.indexOf('</think>', open + 7)
        if (open < 0 || close < 0) return zero('no <think> region')
        text = c.slice(open + 7, close)
      }
      const f = scriptFraction(text, scripts)
      return f === null ? zero('no letters') : { reward: f, status: 'ok', reason: `${(f * 100).toFixed(1)}% ${scripts.join('/')}` }
    })
  },
}
