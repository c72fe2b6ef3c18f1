import { describe, expect, it } from 'vitest'
import { BYTE_EOS, BYTE_VOCAB_SIZE, byteTokenizer, hfTokenizer } from '../../../learner/tokenizer/index.js'

describe('byte tokenizer', () => {
  const t = byteTokenizer()
  it('encodes UTF-8 bytes and round-trips any text', () => {
    expect(t.encode('Ab')).toEqual([65, 98])
    expect(t.encode('é')).toEqual([0xc3, 0xa9])
    for (const s of ['', 'x = 1 + 2', 'naïve 数学 🚀', '<eos>']) expect(t.decode(t.encode(s))).toBe(s)
    expect(t.vocabSize).toBe(BYTE_VOCAB_SIZE)
    expect(new Set([t.pad, t.bos, t.eos]).size).toBe(3)
  })
  it('drops specials on decode and rejects out-of-range ids', () => {
    expect(t.decode([t.bos!, 104, 105, BYTE_EOS, t.pad])).toBe('hi')
    expect(() => t.decode([259])).toThrow(/outside/)
    expect(() => t.decode([-1])).toThrow(/outside/)
  })
})

/** A GPT-2 style byte-level BPE tokenizer.json built by hand (Ġ marks a leading space). */
function byteLevelBpe() {
  const special = (id: number, content: string) => ({ id, content, special: true, single_word: false, lstrip: false, rstrip: false, normalized: false })
  const vocab: Record<string, number> = { '<|endoftext|>': 0, '<|im_start|>': 1 }
  for (const ch of ['1', '2', '+', '=', 'Ġ', 'a', 'n', 's', 'w', 'e', 'r', '3']) vocab[ch] = Object.keys(vocab).length
  const merges = ['a n', 's w', 'e r', 'an sw', 'answ er', 'Ġ answer', '1 2']
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<|endoftext|>'), special(1, '<|im_start|>')],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges },
  }
}

describe('tokenizer.json (Hugging Face)', () => {
  const json = byteLevelBpe()
  const id = (s: string) => (json.model.vocab as Record<string, number>)[s]

  it('applies BPE merges in rank order and decodes back', () => {
    const t = hfTokenizer(json)
    expect(t.encode('12+2 answer')).toEqual([id('12'), id('+'), id('2'), id('Ġanswer')]) // the GPT-2 regex splits digits from punctuation
    expect(t.decode(t.encode('1+2=3 answer'))).toBe('1+2=3 answer')
    expect(t.vocabSize).toBe(Object.keys(json.model.vocab).length)
  })

  it('never adds specials on encode; drops them on decode; specials by name, config or ids', () => {
    const t = hfTokenizer(JSON.stringify(json))
    expect(t.eos).toBe(0) // found by name <|endoftext|>
    expect(t.pad).toBe(0) // falls back to eos
    expect(t.bos).toBeUndefined()
    expect(t.decode([1, id('12'), 0])).toBe('12')
    expect(hfTokenizer(json, { eos_token: { content: '<|im_start|>' } }).eos).toBe(1)
    expect(hfTokenizer(json, {}, { eos: 1, pad: id('a') }).pad).toBe(id('a'))
    expect(() => hfTokenizer(json, { pad_token: '<nope>' })).toThrow(/pad_token "<nope>" is not in the vocabulary/)
    const noSpecials = { ...json, added_tokens: [] }
    expect(() => hfTokenizer(noSpecials)).toThrow(/no end-of-sequence token/)
  })

  it('fails loudly on a model type the library cannot encode', () => {
    const wl = { ...json, pre_tokenizer: { type: 'Whitespace' }, decoder: null, model: { type: 'WordLevel', vocab: { '<|endoftext|>': 0, a: 1 }, unk_token: '<|endoftext|>' } }
    expect(() => hfTokenizer(wl).encode('a b')).toThrow()
  })
})
