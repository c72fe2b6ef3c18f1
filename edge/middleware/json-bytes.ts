/**
 * JSON.parse of a request body's UTF-8 bytes (Node's Buffer), without making a large body one string. V8 gives a
 * string past 128 KB its own mapped pages (mmap, a page fault per 4 KB, munmap when collected): for a 500 KB batch
 * of groups that cost more than parsing it. So a large object or array is split at its top-level members (found by
 * scanning the bytes: strings are skipped with indexOf, nothing else is decoded), each member parsed on its own and
 * the value assembled from them — the same value JSON.parse gives for the whole text, since every piece is parsed by
 * JSON.parse and only JSON whitespace, `,` and `:` may lie between pieces. Anything else (or a piece that does not
 * parse) falls back to JSON.parse of the whole text, so an invalid body fails exactly as before.
 */

/** Bodies (and members) up to this many bytes are parsed as one string. */
export const PIECE_BYTES = 64 * 1024
/** Levels split at most (a batch body: the object, its array, the array's elements are parsed whole). */
const MAX_SPLIT_DEPTH = 3

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d

/** Thrown where the fast path gives up (the whole text is then parsed as before). */
class NotSplit extends Error {}
const giveUp = () => {
  throw new NotSplit()
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

function skipSpace(b: Buffer, at: number, end: number) {
  while (at < end && isSpace(b[at])) at++
  return at
}

/** The index of the quote that ends the string opening at `at` (b[at] is a quote). */
function stringEnd(b: Buffer, at: number, end: number) {
  for (let q = at; ; ) {
    q = b.indexOf(QUOTE, q + 1)
    if (q < 0 || q >= end) giveUp()
    let slashes = 0
    while (b[q - 1 - slashes] === BACKSLASH) slashes++
    if (slashes % 2 === 0) return q
  }
}

/** The end (exclusive) of the value starting at `at`: a string, an object or array (nesting), or a scalar. */
function valueEnd(b: Buffer, at: number, end: number) {
  const c = b[at]
  if (c === QUOTE) return stringEnd(b, at, end) + 1
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
    while (at < end && b[at] !== COMMA && b[at] !== CLOSE_OBJECT && b[at] !== CLOSE_ARRAY && !isSpace(b[at])) at++
    return at
  }
  let depth = 0
  for (let i = at; i < end; i++) {
    const x = b[i]
    if (x === QUOTE) i = stringEnd(b, i, end)
    else if (x === OPEN_OBJECT || x === OPEN_ARRAY) depth++
    else if (x === CLOSE_OBJECT || x === CLOSE_ARRAY) if (--depth === 0) return i + 1
  }
  return giveUp()
}

/** The value of b[start, end) (no surrounding whitespace), split at its members if it is large. */
function parseRange(b: Buffer, start: number, end: number, depth: number): unknown {
  const open = b[start]
  if (end - start <= PIECE_BYTES || depth >= MAX_SPLIT_DEPTH || (open !== OPEN_OBJECT && open !== OPEN_ARRAY)) {
    return JSON.parse(b.toString('utf8', start, end))
  }
  const isObject = open === OPEN_OBJECT
  if (b[end - 1] !== (isObject ? CLOSE_OBJECT : CLOSE_ARRAY)) giveUp()
  const inner = end - 1
  const out: unknown = isObject ? {} : []
  let at = skipSpace(b, start + 1, inner)
  while (at < inner) {
    let key: string | undefined
    if (isObject) {
      if (b[at] !== QUOTE) giveUp()
      const keyEnd = stringEnd(b, at, inner) + 1
      key = JSON.parse(b.toString('utf8', at, keyEnd)) as string
      at = skipSpace(b, keyEnd, inner)
      if (b[at] !== COLON) giveUp()
      at = skipSpace(b, at + 1, inner)
    }
    const valueAt = at
    at = valueEnd(b, at, inner)
    if (at === valueAt) giveUp()
    const value = parseRange(b, valueAt, at, depth + 1)
    // as JSON.parse does: an own property even for "__proto__", a repeated key keeps its place and the last value
    if (isObject) Object.defineProperty(out, key!, { value, writable: true, enumerable: true, configurable: true })
    else (out as unknown[]).push(value)
    at = skipSpace(b, at, inner)
    if (at === inner) break
    if (b[at] !== COMMA) giveUp()
    at = skipSpace(b, at + 1, inner)
    if (at === inner) giveUp() // a trailing comma
  }
  return out
}

/** JSON.parse of the UTF-8 text of `b` (a leading byte-order mark ignored, as Request.json() does). */
export function parseJsonBytes(b: Buffer): unknown {
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0
  const s = skipSpace(b, start, b.length)
  let e = b.length
  while (e > s && isSpace(b[e - 1])) e--
  if (e - s > PIECE_BYTES) {
    try {
      return parseRange(b, s, e, 0)
    } catch {
      // not split (or a piece is not valid JSON): the whole text decides, as before
    }
  }
  return JSON.parse(b.toString('utf8', start))
}
