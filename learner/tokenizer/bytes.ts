/**
 * Byte-level tokenizer for the built-in tiny models: ids 0–255 are the UTF-8 bytes of the text, followed by
 * three specials. No merges, no files: any string round-trips.
 *   0..255  bytes
 *   256     <pad>
 *   257     <bos>
 *   258     <eos>
 */
import type { Tokenizer } from './types.js'

export const BYTE_PAD = 256
export const BYTE_BOS = 257
export const BYTE_EOS = 258
export const BYTE_VOCAB_SIZE = 259

/** @param chatTemplate a Jinja chat template (its markers are plain text here: there are no special strings) */
export function byteTokenizer(chatTemplate?: string): Tokenizer {
  const enc = new TextEncoder()
  const dec = new TextDecoder('utf-8')
  return {
    encode: (text) => Array.from(enc.encode(text)),
    decode: (ids) => {
      const bytes: number[] = []
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= BYTE_VOCAB_SIZE)
          throw new RangeError(`byte tokenizer: id ${id} outside [0, ${BYTE_VOCAB_SIZE})`)
        if (id < 256) bytes.push(id)
      }
      return dec.decode(new Uint8Array(bytes))
    },
    eos: BYTE_EOS,
    bos: BYTE_BOS,
    pad: BYTE_PAD,
    vocabSize: BYTE_VOCAB_SIZE,
    chatTemplate,
  }
}
