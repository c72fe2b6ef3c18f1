/**
 * Hugging Face `tokenizer.json` (BPE, WordPiece, Unigram models; normalizers, pre-tokenizers, decoders) through
 * @huggingface/tokenizers, a pure-JS port. (Its 0.2 release has no WordLevel model: such files fail loudly at
 * encode rather than yield undefined ids.) Special tokens come from `tokenizer_config.json` when given
 * (eos_token / bos_token / pad_token, as strings or {content}), else from the model's config.json ids, else from
 * well-known names among the special added tokens. pad falls back to eos (as TRL does). The chat template and the
 * special-token strings it uses come from tokenizer_config.json (rendering: chat.ts).
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
  const tok = new HfTokenizer(parsed, tokenizerConfig)
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
    decode: (idList) => tok.decode(idList as number[], { skip_special_tokens: true }),
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
