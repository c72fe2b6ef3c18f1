import { describe, expect, it } from 'vitest'
import { BYTE_EOS, BYTE_VOCAB_SIZE, byteTokenizer, hfTokenizer } from '../../../learner/tokenizer/index.js'
import { unsupportedTokenizerOptions } from '../../../learner/tokenizer/hf.js'

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

/**
 * tokenizer.json variants found in published files, on small synthetic tokenizers (each checks a format, not a
 * published vocabulary). Expected ids are what the Rust library transformers uses gives for the same file.
 */
describe('tokenizer.json variants', () => {
  const json = byteLevelBpe()
  const id = (s: string) => (json.model.vocab as Record<string, number>)[s]

  it('merges as ["a", "b"] pairs (tokenizers ≥ 0.20) tokenize exactly as "a b" strings', () => {
    const pairs = { ...json, model: { ...json.model, merges: json.model.merges.map((m) => m.split(' ')) } }
    for (const s of ['12+2 answer', ' answer12', 'n s w e r']) expect(hfTokenizer(pairs).encode(s), s).toEqual(hfTokenizer(json).encode(s))
    // pairs can hold a token with a space inside (no pre-tokenizer): "a b" as a string merge would be ambiguous
    const spaced = { ...json, pre_tokenizer: null, decoder: null, model: { ...json.model, vocab: { '<|endoftext|>': 0, a: 1, ' ': 2, b: 3, 'a ': 4, 'a b': 5 }, merges: [['a', ' '], ['a ', 'b']] } }
    expect(hfTokenizer(spaced).encode('a b')).toEqual([5])
  })

  it('an added token with special false (Qwen3 <think>) is one id on encode and stays in decoded text', () => {
    const think = { ...json, added_tokens: [...json.added_tokens, { id: 99, content: '<think>', special: false, single_word: false, lstrip: false, rstrip: false, normalized: false }] }
    const t = hfTokenizer(think)
    expect(t.encode('<think>12')).toEqual([99, id('12')])
    expect(t.decode([99, id('12'), 0])).toBe('<think>12') // <|endoftext|> (special) dropped, <think> kept
  })

  it("a Sequence pre-tokenizer (Split Isolated with Qwen2's regex, then ByteLevel without regex) splits digits singly", () => {
    const re = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
    const seq = { ...json, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: re }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] } }
    expect(hfTokenizer(seq).encode('12+2 answer')).toEqual([id('1'), id('2'), id('+'), id('2'), id('Ġanswer')])
  })

  it('SentencePiece-style layout (TinyLlama, Llama-2, Mistral v0.1): Prepend + Replace normalizer, byte fallback, decoder chain', () => {
    const sp = (id: number, content: string) => ({ id, content, special: true, single_word: false, lstrip: false, rstrip: false, normalized: false })
    const vocab = { '<unk>': 0, '<s>': 1, '</s>': 2, '▁': 3, a: 4, '▁a': 5, '<0xC3>': 6, '<0xA9>': 7 }
    const t = hfTokenizer({
      version: '1.0', added_tokens: [sp(0, '<unk>'), sp(1, '<s>'), sp(2, '</s>')], post_processor: null, pre_tokenizer: null,
      normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
      decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
      model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges: [['▁', 'a']] },
    }, { eos_token: '</s>' })
    expect(t.encode('a é')).toEqual([5, 3, 6, 7]) // ▁a ▁ then é as its UTF-8 bytes <0xC3> <0xA9>
    expect(t.decode([1, 5, 3, 6, 7, 2])).toBe('a é')
  })

  it('ignore_merges (Llama 3): a word already in the vocabulary is one token even where the merges would not build it', () => {
    const vocab = { ...json.model.vocab, 'Ġanswer12': 95 } // no merge produces it
    const im = (ignore_merges: boolean) => hfTokenizer({ ...json, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: ' ?\\w+' }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] }, model: { ...json.model, vocab, ignore_merges } })
    expect(im(true).encode(' answer12')).toEqual([95])
    expect(im(false).encode(' answer12')).toEqual([id('Ġanswer'), id('12')])
  })

  it("decode: [] is '' (the JS port throws); tokenization spaces cleaned only when tokenizer_config says so (transformers' default false)", () => {
    const dot = { ...json, model: { ...json.model, vocab: { ...json.model.vocab, '.': 90, 'Ġ.': 91 }, merges: [...json.model.merges, 'Ġ .'] } }
    expect(hfTokenizer(dot).decode([])).toBe('')
    const ids = hfTokenizer(dot).encode('12 .')
    expect(ids).toEqual([id('12'), 91])
    expect(hfTokenizer(dot).decode(ids)).toBe('12 .') // before: '12.' (the port cleans up unless told not to)
    expect(hfTokenizer(dot, { clean_up_tokenization_spaces: true }).decode(ids)).toBe('12.')
  })

  it.each([
    [{ model: { ...json.model, type: 'WordLevel' } }, 'model.type="WordLevel"'],
    [{ model: { ...json.model, dropout: 0.1 } }, 'model.dropout=0.1'],
    [{ pre_tokenizer: { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithNext', invert: false } }, 'pre_tokenizer.Split behavior="MergedWithNext"'],
    [{ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { String: ' ' }, behavior: 'Removed', invert: false }] } }, 'pre_tokenizer[0].Split behavior="Removed"'],
    [{ pre_tokenizer: { type: 'Split', pattern: { Regex: '\\w+' }, behavior: 'Isolated', invert: true } }, 'Split invert=true'],
    [{ pre_tokenizer: { type: 'Punctuation', behavior: 'Isolated' } }, 'Punctuation behavior="Isolated"'],
    [{ pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: false } }, 'pre_tokenizer.Metaspace prepend_scheme never'],
    [{ decoder: { type: 'Sequence', decoders: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: false }] } }, 'decoder[0].Metaspace prepend_scheme never'],
    [{ pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true } }, 'pre_tokenizer.Metaspace split=true'],
    [{ added_tokens: [...json.added_tokens, { id: 98, content: 'an', special: false, single_word: true, lstrip: false, rstrip: false, normalized: false }] }, 'added_tokens "an" single_word=true'],
    [{ pre_tokenizer: { type: 'Metaspace', replacement: '▁', add_prefix_space: true } }, 'pre_tokenizer.Metaspace split=true'],
  ])('refused where the JS port would tokenize differently: %j', (patch, name) => {
    expect(() => hfTokenizer({ ...json, ...patch })).toThrow(/^tokenizer\.json: unsupported options: /)
    expect(() => hfTokenizer({ ...json, ...patch })).toThrow(name)
  })

  it("Whitespace splits words by Unicode classes as Rust does (the port's \\w is ASCII: naïve → na, ï, ve)", () => {
    const vocab = { '[UNK]': 0, n: 1, a: 2, 'ï': 3, v: 4, e: 5, '!': 6, na: 7, 'ïv': 8, 'naïv': 9, 'naïve': 10 }
    const merges = ['n a', 'ï v', 'na ïv', 'naïv e']
    const ws = { ...json, added_tokens: [], pre_tokenizer: { type: 'Whitespace' }, decoder: null, model: { ...json.model, unk_token: '[UNK]', vocab, merges } }
    const t = hfTokenizer(ws, { eos_token: '[UNK]' })
    expect(t.encode('naïve  naïve!')).toEqual([10, 10, 6]) // before: [7, 3, 4, 5, 7, 3, 4, 5, 6] (na ï v e: the merges never met)
    expect(ws.pre_tokenizer).toEqual({ type: 'Whitespace' }) // the caller's object (saved as is) is untouched
  })

  it('accepts the layouts the supported families publish', () => {
    expect(unsupportedTokenizerOptions(json)).toEqual([])
    const metaspaceFirst = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false } // Mistral v0.3, Llama-2 (legacy false)
    expect(unsupportedTokenizerOptions({ ...json, pre_tokenizer: metaspaceFirst, decoder: metaspaceFirst })).toEqual([])
    // Llama-2 / TinyLlama / Mistral v0.1 files: no pre-tokenizer, the normalizer prepends and replaces spaces
    const spNormalizer = { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] }
    expect(unsupportedTokenizerOptions({ ...json, normalizer: spNormalizer, pre_tokenizer: null })).toEqual([])
    expect(unsupportedTokenizerOptions({ ...json, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: 'x' }, behavior: 'Isolated', invert: false }, { type: 'Digits', individual_digits: true }] } })).toEqual([])
  })
})
