/** submissionHash feeds its JSON head to the hash in pieces: the same digest as hashing the head as one string. */
import { describe, expect, it } from 'vitest'
import { packFloat32, packInt32, sha256HexOf } from '../../schema/index.js'
import { submissionHash } from '../../edge/routes/leases/submit.js'

type C = Parameters<typeof submissionHash>[1][number]

/** The definition as it was (one head string). */
function oldHash(modelVersion: number, completions: C[]): string {
  const head = JSON.stringify([modelVersion, completions.map((c) => [c.text, c.finishReason ?? null, c.tokens, c.logprobs ? c.tokens : null])])
  const parts: (string | Uint8Array)[] = [head]
  for (const c of completions) {
    if (c.tokenIds) parts.push(c.tokenIds)
    if (c.logprobs) parts.push(c.logprobs)
  }
  return `v2:${sha256HexOf(parts)}`
}

const texts = [
  '', 'plain', 'answer: 42', 'quote " inside', 'back\\slash', 'new\nline', 'tab\t', '\u0000nul', '\u001f', '\u007f del',
  'é ü ß', '日本語', '😀 pair', 'lone \ud800 high', 'lone \udc00 low', 'reversed \udc00\ud800', 'end \ud83d', '\u2028\u2029',
  '</script>', '{"json":[1,2]}', 'x'.repeat(5000), `${'step by step. '.repeat(50)}"q"`,
]

describe('submissionHash', () => {
  it('equals the one-string definition on every edge case of text, finish reason and arrays', () => {
    let n = 0
    for (const v of [0, 1, 7, 123456789]) {
      for (let i = 0; i < texts.length; i++) {
        for (const fr of [undefined, 'stop', 'length'] as const) {
          const ids = packInt32([1, 2, i])
          const cs: C[] = [
            { text: texts[i], finishReason: fr, tokenIds: ids, logprobs: packFloat32([-0.5, -1, -2]), tokens: 3 },
            { text: texts[(i + 1) % texts.length], tokenIds: null, logprobs: null, tokens: null },
            { text: texts[(i + 5) % texts.length], finishReason: fr, tokenIds: ids, logprobs: null, tokens: 3 },
          ]
          expect(submissionHash(v, cs)).toBe(oldHash(v, cs))
          expect(submissionHash(v, cs.slice(0, 1))).toBe(oldHash(v, cs.slice(0, 1)))
          expect(submissionHash(v, [])).toBe(oldHash(v, []))
          n++
        }
      }
    }
    expect(n).toBe(4 * texts.length * 3)
  })

  it('tells apart texts that differ only where the pieces meet', () => {
    const c = (text: string): C => ({ text, tokenIds: null, logprobs: null, tokens: null })
    expect(submissionHash(1, [c('a'), c('b')])).not.toBe(submissionHash(1, [c('a","b')]))
    expect(submissionHash(1, [c('a"')])).not.toBe(submissionHash(1, [c('a')]))
  })
})
