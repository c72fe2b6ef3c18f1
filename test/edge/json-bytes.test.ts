/**
 * parseJsonBytes (edge/middleware/json-bytes.ts): a large body parsed member by member gives exactly JSON.parse's
 * value of the whole text, and a body JSON.parse refuses is refused too — whatever the escapes, whitespace, key
 * names, repeated keys, BOM or invalid UTF-8; valid large bodies never make one string of the whole text.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseJsonBytes } from '../../edge/middleware/json-bytes.js'

/** ~100 KB of members with awkward strings: escaped quotes and backslashes, astral chars, escapes of surrogates. */
const filler = (n = 40) =>
  Array.from({ length: n }, (_, i) => ({
    id: i,
    text: `q\\"${'x'.repeat(2_000)}\\\\"\\\\` + '😀é\u0000\u001f' + (i % 2 ? '\\' : '"'),
    n: [1.5e-7, -0, 1e300, i],
    e: {},
    a: [],
    t: true,
    z: null,
  }))
const big = (v: unknown, space?: string) => JSON.stringify(v, null, space)

const asParsed = (b: Buffer) => {
  try {
    const v = parseJsonBytes(b)
    return { ok: true, json: JSON.stringify(v), proto: typeof v !== 'object' || v === null || Object.getPrototypeOf(v) === (Array.isArray(v) ? Array.prototype : Object.prototype) }
  } catch (err) {
    return { ok: false, error: (err as Error).name }
  }
}
const reference = (b: Buffer) => {
  let text = b.toString('utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  try {
    return { ok: true, json: JSON.stringify(JSON.parse(text)), proto: true }
  } catch (err) {
    return { ok: false, error: (err as Error).name }
  }
}

afterEach(() => vi.restoreAllMocks())

describe('parseJsonBytes', () => {
  const valid: [string, string | Buffer][] = [
    ['an object of a large array', big({ groups: filler(), modelVersion: 3 })],
    ['a top-level array', big(filler())],
    ['pretty-printed (spaces, newlines)', big({ groups: filler() }, '  ')],
    ['tabs and CRLF between members', big({ groups: filler() }).replace(/,"id"/g, ',\r\n\t"id"').replace(/\[\{/, '[ \t{')],
    ['leading and trailing whitespace, a BOM', '\ufeff \n' + big({ groups: filler() }) + ' \r\n'],
    ['"__proto__" as a key (an own property)', `{"__proto__": {"polluted": 1}, "groups": ${big(filler())}}`],
    ['a repeated key (first place, last value)', `{"groups": 1, "b": ${big(filler())}, "groups": ${big(filler(35))}}`],
    ['escaped keys and a key with a quote', `{"gr\\u006fups": ${big(filler())}, "a\\"b": 2, "": 3}`],
    ['large strings and scalars as members', big({ s: 'y'.repeat(70_000), groups: filler(), n: 7 })],
    ['nested large arrays', big({ a: [filler(), filler()], b: { c: filler() } })],
    ['invalid UTF-8 inside a string', Buffer.concat([Buffer.from(`{"x": "a`), Buffer.from([0xe2, 0x82, 0xff, 0xc3]), Buffer.from(`", "g": ${big(filler())}}`)])],
  ]
  it.each(valid)('%s: the same value as JSON.parse, never one string of the whole', (_, body) => {
    const b = Buffer.isBuffer(body) ? body : Buffer.from(body)
    expect(b.length).toBeGreaterThan(80_000)
    const parse = vi.spyOn(JSON, 'parse')
    const got = asParsed(b)
    const longest = Math.max(...parse.mock.calls.map(([s]) => s.length))
    parse.mockRestore()
    expect(got).toEqual(reference(b))
    expect(got.ok).toBe(true)
    expect(longest).toBeLessThan(80_000)
  })

  const body = big({ groups: filler() })
  const invalid: [string, string][] = [
    ['a trailing comma in the large array', body.replace(/\]\}$/, ',]}')],
    ['a trailing comma in the object', body.replace(/\}$/, ',}')],
    ['a missing comma between members', body.replace('},{', '}{')],
    ['garbage after the value', body + 'x'],
    ['two values', body + ' {}'],
    ['mismatched brackets', body.replace(/\]\}$/, '}}')],
    ['an unterminated string', body.replace(/"z":null\}\]\}$/, '"z":"null}]}')],
    ['a single-quoted key', body.replace('{"groups"', "{'groups'")],
    ['a form feed between members', body.replace('},{', '},\f{')],
    ['a no-break space between members', body.replace('},{', '},\u00a0{')],
    ['an unquoted key', body.replace('{"groups"', '{groups')],
    ['a bad member', body.replace('"t":true', '"t":tru')],
    ['an empty member', body.replace('},{', '},,{')],
    ['a colon in an array', body.replace('},{', '}:{')],
    ['garbage before the value', 'x' + body],
  ]
  it.each(invalid)('%s: refused as JSON.parse refuses it', (_, text) => {
    const b = Buffer.from(text)
    expect(reference(b).ok).toBe(false)
    expect(asParsed(b)).toEqual(reference(b))
  })

  it('small bodies and scalars are JSON.parse of their text', () => {
    for (const text of ['{}', '[1, 2]', '"s"', ' 3 ', '\ufeff{"a": 1}', '{"a": }', '']) {
      const b = Buffer.from(text)
      expect(asParsed(b)).toEqual(reference(b))
    }
  })
})
