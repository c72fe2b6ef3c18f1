/**
 * Bounded JSON parsing shared by `json-schema` and `code-syntax` (json): size and nesting limits are checked
 * before JSON.parse, and a fenced ```json block is preferred over the raw text.
 */
import { LIMITS } from './limits.js'

/** The body of the last fenced code block (optionally of one of `langs`), or null. */
export function lastFence(text: string, langs?: string[]): { lang: string; body: string } | null {
  let found: { lang: string; body: string } | null = null
  let i = 0
  for (;;) {
    const open = text.indexOf('```', i)
    if (open < 0) break
    const eol = text.indexOf('\n', open)
    if (eol < 0) break
    const close = text.indexOf('```', eol)
    if (close < 0) break
    const lang = text.slice(open + 3, eol).trim().toLowerCase()
    if (!langs || langs.includes(lang) || lang === '') found = { lang, body: text.slice(eol + 1, close) }
    i = close + 3
  }
  return found
}

/** Max nesting of [] / {} outside JSON strings. */
function jsonDepth(s: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') max = Math.max(max, ++depth)
    else if (c === '}' || c === ']') depth--
  }
  return max
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; reason: string }

export function parseJsonBounded(text: string): JsonParse {
  if (text.length > LIMITS.jsonChars) return { ok: false, reason: `JSON longer than ${LIMITS.jsonChars} characters` }
  if (jsonDepth(text) > LIMITS.jsonNesting) return { ok: false, reason: `JSON nested deeper than ${LIMITS.jsonNesting}` }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (e) {
    return { ok: false, reason: `invalid JSON: ${(e as Error).message}` }
  }
}

/** The JSON answer of a completion: the last ```json (or unlabelled) fence, else the trimmed text. */
export function jsonAnswer(text: string): string {
  return (lastFence(text, ['json', 'jsonc']) ?? { body: text }).body.trim()
}
