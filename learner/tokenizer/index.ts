/** Tokenizers: the seam, the built-in byte tokenizer, and Hugging Face tokenizer.json. */
export type { Tokenizer } from './types.js'
export { byteTokenizer, BYTE_PAD, BYTE_BOS, BYTE_EOS, BYTE_VOCAB_SIZE } from './bytes.js'
export { hfTokenizer, type SpecialIds } from './hf.js'
