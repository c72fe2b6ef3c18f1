/**
 * Strings around canonical base64: encodings of 0–10 random bytes (each padding), and each with every ASCII
 * character, Latin-1 and wider ones (a decoder reading only a code unit's low byte takes 'Ł' for 'A'), a lone
 * surrogate and an astral character substituted and inserted at every position, each position deleted, the padding
 * dropped or doubled, a block appended. For checking fromBase64 against a reference definition, on Node and in workerd.
 */
export function base64Variants(): string[] {
  const symbols = [...Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)), 'é', '\u00c1', '\u0141', '\u0100', '\uff21', '\ud800', '😀']
  let seed = 7
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
  const out: string[] = []
  for (let len = 0; len <= 10; len++)
    for (let k = 0; k < 8; k++) {
      const good = btoa(String.fromCharCode(...Array.from({ length: len }, () => rand(256))))
      out.push(good, good.replace(/=+$/, ''), good + '=', good + '==', good + 'AAAA')
      for (let i = 0; i < good.length; i++) {
        for (const c of symbols) out.push(good.slice(0, i) + c + good.slice(i + 1), good.slice(0, i) + c + good.slice(i))
        out.push(good.slice(0, i) + good.slice(i + 1))
      }
    }
  return out
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * The canonical-base64 rule spelled out by its grammar (fromBase64's definition before: a regex over every character,
 * the last symbol's unused bits zero), decoding with atob only what the grammar admits: bytes as hex, or null.
 */
export function base64ByGrammar(x: string): string | null {
  if (x.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(x)) return null
  const pad = x.endsWith('==') ? 2 : x.endsWith('=') ? 1 : 0
  if (pad && ALPHABET.indexOf(x[x.length - pad - 1]) & (pad === 2 ? 0b1111 : 0b11)) return null
  return Array.from(atob(x), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('')
}

/** The variants on which `decode` (bytes or null) and the grammar disagree (empty when they agree on all). */
export function base64Disagreements(decode: (s: string) => Uint8Array | null): { checked: number; differ: string[] } {
  const variants = base64Variants()
  const differ: string[] = []
  for (const v of variants) {
    const got = decode(v)
    const hex = got === null ? null : Array.from(got, (b) => b.toString(16).padStart(2, '0')).join('')
    if (hex !== base64ByGrammar(v)) differ.push(JSON.stringify(v))
  }
  return { checked: variants.length, differ }
}
