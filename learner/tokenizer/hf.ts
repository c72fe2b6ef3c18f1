/**
 * Hugging Face `tokenizer.json` (BPE, WordPiece, Unigram models; normalizers, pre-tokenizers, decoders) through
 * @huggingface/tokenizers, a pure-JS port. (Its 0.2 release has no WordLevel model: such files fail loudly at
 * encode rather than yield undefined ids.) Special tokens come from `tokenizer_config.json` when given
 * (eos_token / bos_token / pad_token, as strings or {content}), else from the model's config.json ids, else from
 * well-known names among the special added tokens. pad falls back to eos (as TRL does). The chat template and the
 * special-token strings it uses come from tokenizer_config.json (rendering: chat.ts).
 *
 * Format variants: merges as "a b" strings or as ["a", "b"] pairs (tokenizers ≥ 0.20) both load; added tokens with
 * special false (Qwen3's <think>) stay whole on encode and stay in decoded text. Options where the JS port would
 * silently tokenize differently from the Rust library are refused by name (unsupportedTokenizerOptions).
 * decode applies clean_up_tokenization_spaces only when tokenizer_config.json sets it (transformers' default is
 * false; the JS port's is true).
 */
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers'
import type { Tokenizer } from './types.js'

export interface SpecialIds {
  eos?: number
  bos?: number
  pad?: number
}

const EOS_NAMES = ['<|im_end|>', '<|endoftext|>', '<|end_of_text|>', '<|eot_id|>', '</s>', '<eos>', '<|eos|>']
const BOS_NAMES = ['<|begin_of_text|>', '<s>', '<bos>', '<|bos|>']
const PAD_NAMES = ['<pad>', '<|pad|>', '<|finetune_right_pad_id|>']

type TokenConfig = Record<string, unknown>

/**
 * @param tokenizerJson parsed or raw tokenizer.json
 * @param tokenizerConfig parsed tokenizer_config.json ({} when absent)
 * @param ids special ids from the model's config.json (used when tokenizer_config names none)
 */
export function hfTokenizer(tokenizerJson: string | object, tokenizerConfig: TokenConfig = {}, ids: SpecialIds = {}): Tokenizer {
  const text = typeof tokenizerJson === 'string' ? tokenizerJson : JSON.stringify(tokenizerJson)
  const parsed = typeof tokenizerJson === 'string' ? (JSON.parse(tokenizerJson) as object) : tokenizerJson
  const bad = unsupportedTokenizerOptions(parsed as Record<string, unknown>)
  if (bad.length) throw new Error(`tokenizer.json: unsupported options: ${bad.join(', ')}`)
  const tok = new HfTokenizer(portable(parsed as Json), tokenizerConfig)
  const cleanUp = tokenizerConfig.clean_up_tokenization_spaces === true
  const vocab = tok.get_vocab(true)
  let vocabSize = 0
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1)
  const specials = [...tok.get_added_tokens_decoder().values()].filter((t) => t.special).map((t) => t.content)

  const fromConfig = (key: string): number | undefined => {
    const v = tokenizerConfig[key]
    const name = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as { content?: string }).content : undefined
    if (name === undefined) return undefined
    const id = tok.token_to_id(name)
    if (id === undefined) throw new Error(`tokenizer_config.json: ${key} ${JSON.stringify(name)} is not in the vocabulary`)
    return id
  }
  const byName = (names: string[]) => {
    const hit = names.find((n) => specials.includes(n))
    return hit === undefined ? undefined : tok.token_to_id(hit)
  }
  const eos = fromConfig('eos_token') ?? ids.eos ?? byName(EOS_NAMES)
  if (eos === undefined)
    throw new Error('tokenizer: no end-of-sequence token (set eos_token in tokenizer_config.json or eos_token_id in config.json)')
  const bos = fromConfig('bos_token') ?? ids.bos ?? byName(BOS_NAMES)
  const pad = fromConfig('pad_token') ?? ids.pad ?? byName(PAD_NAMES) ?? eos
  const specialTokens: Record<string, string> = {}
  for (const [key, id] of [['bos_token', bos], ['eos_token', eos], ['pad_token', pad], ['unk_token', undefined]] as const) {
    const v = tokenizerConfig[key]
    const name = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as { content?: string }).content : id !== undefined ? tok.id_to_token(id) : undefined
    if (name !== undefined) specialTokens[key] = name
  }
  return {
    encode: (s) => {
      const out = tok.encode(s, { add_special_tokens: false }).ids
      if (out.some((id) => !Number.isInteger(id)))
        throw new Error(`tokenizer: the ${(parsed as { model?: { type?: string } }).model?.type} model produced ids that are not integers`)
      return out
    },
    // the JS port throws on an empty list; transformers decodes it to ''
    decode: (idList) => (idList.length ? tok.decode(idList as number[], { skip_special_tokens: true, clean_up_tokenization_spaces: cleanUp }) : ''),
    eos,
    bos,
    pad,
    vocabSize,
    json: text,
    chatTemplate: chatTemplateOf(tokenizerConfig),
    specialTokens,
    tokenizerConfig: Object.keys(tokenizerConfig).length ? tokenizerConfig : undefined,
  }
}

/** tokenizer_config.json chat_template: a string, or a list of named templates (the one named "default"). */
export function chatTemplateOf(tokenizerConfig: TokenConfig): string | undefined {
  const t = tokenizerConfig.chat_template
  if (t === undefined || t === null) return undefined
  if (typeof t === 'string') return t
  if (Array.isArray(t)) {
    const d = t.find((x: { name?: string }) => x?.name === 'default') as { template?: unknown } | undefined
    if (typeof d?.template === 'string') return d.template
  }
  throw new Error('tokenizer_config.json: chat_template must be a string or a list with a template named "default"')
}

type Json = Record<string, unknown>
const asList = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : [])

/**
 * tokenizer.json options whose @huggingface/tokenizers 0.2 behaviour differs from the Rust library transformers
 * uses (checked on synthetic files, test/learner/tokenizer/tokenizer.test.ts), each named with its path:
 *   model.type other than BPE / Unigram / WordPiece (WordLevel has no JS implementation)
 *   model.dropout > 0 (Rust samples a tokenization per call; the port ignores it)
 *   Split.behavior other than Isolated, Split.invert true (the port treats MergedWithNext / Contiguous as
 *     Isolated and keeps delimiters for Removed)
 *   Punctuation.behavior other than Contiguous (the port always groups runs: "!?" one piece, Rust Isolated two)
 *   Whitespace (the port's \w is ASCII: "naïve" splits in three, Rust keeps one word)
 *   Metaspace prepend_scheme never, or the legacy add_prefix_space false (the port prepends ▁ anyway)
 *   an added token with single_word true (the port matches it inside words too)
 *   pre-tokenizer Metaspace with split true, or without split (Rust's default true): Rust cuts "▁a▁▁b" into
 *     ▁a | ▁ | ▁b before BPE, the port keeps one piece, so a "▁▁" merge fires that Rust never sees
 */
export function unsupportedTokenizerOptions(t: Json): string[] {
  const bad: string[] = []
  const model = (t.model ?? {}) as Json
  if (model.type !== undefined && !['BPE', 'Unigram', 'WordPiece'].includes(model.type as string)) bad.push(`model.type=${JSON.stringify(model.type)} (implemented: BPE, Unigram, WordPiece)`)
  if (typeof model.dropout === 'number' && model.dropout > 0) bad.push(`model.dropout=${model.dropout}`)
  for (const a of asList(t.added_tokens)) if (a.single_word === true) bad.push(`added_tokens ${JSON.stringify(a.content)} single_word=true`)
  const metaspace = (where: string, c: Json) => {
    if (c.prepend_scheme === 'never' || (c.prepend_scheme === undefined && c.add_prefix_space === false))
      bad.push(`${where}.Metaspace prepend_scheme never (add_prefix_space false)`)
  }
  const pre = (where: string, c: Json | null | undefined) => {
    if (!c) return
    if (c.type === 'Sequence') asList(c.pretokenizers).forEach((x, i) => pre(`${where}[${i}]`, x))
    else if (c.type === 'Split') {
      if (c.behavior !== undefined && c.behavior !== 'Isolated') bad.push(`${where}.Split behavior=${JSON.stringify(c.behavior)} (implemented: Isolated)`)
      if (c.invert === true) bad.push(`${where}.Split invert=true`)
    } else if (c.type === 'Punctuation') {
      if (c.behavior !== 'Contiguous') bad.push(`${where}.Punctuation behavior=${JSON.stringify(c.behavior ?? 'Isolated')} (implemented: Contiguous)`)
    } else if (c.type === 'Metaspace') {
      metaspace(where, c)
      if (c.split !== false) bad.push(`${where}.Metaspace split=${JSON.stringify(c.split ?? true)} (implemented: false)`)
    }
  }
  pre('pre_tokenizer', t.pre_tokenizer as Json | null)
  const dec = (where: string, c: Json | null | undefined) => {
    if (!c) return
    if (c.type === 'Sequence') asList(c.decoders).forEach((x, i) => dec(`${where}[${i}]`, x))
    else if (c.type === 'Metaspace') metaspace(where, c)
  }
  dec('decoder', t.decoder as Json | null)
  return bad
}

/** Rust's Whitespace pre-tokenizer: runs of \\w, and runs of neither \\w nor \\s, with Unicode classes (regex crate). */
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}'
const WHITESPACE_AS_SPLIT = { type: 'Split', pattern: { Regex: `[${WORD}]+|[^${WORD}\\s]+` }, behavior: 'Isolated', invert: true }

/**
 * The file as the JS port should see it (a copy; the original text is what checkpoints save): Whitespace, whose
 * port matches /\\w+|[^\\w\\s]+/ with ASCII \\w ("naïve" → na, ï, ve), becomes the same split with Unicode classes
 * (the port's Split with invert keeps the matches only, which is Whitespace's behaviour).
 */
function portable(t: Json): Json {
  const pre = (c: Json | null | undefined): Json | null | undefined => {
    if (!c) return c
    if (c.type === 'Whitespace') return WHITESPACE_AS_SPLIT
    if (c.type === 'Sequence') return { ...c, pretokenizers: asList(c.pretokenizers).map((x) => pre(x)) }
    return c
  }
  return { ...t, pre_tokenizer: pre(t.pre_tokenizer as Json | null | undefined) ?? null }
}
