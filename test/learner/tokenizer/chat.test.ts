/**
 * Chat templates (learner/tokenizer/chat.ts) rendered by @huggingface/jinja against the renderings the families
 * document (model cards, the transformers chat-templating guide), special tokens encoded as single ids, and the
 * one prompt function shared by workers and the learner: OnnxGenerator's prompt ids = the learner's batch rows.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../learner/config.js'
import { inferenceModel, OnnxGenerator } from '../../../learner/generate/index.js'
import { initParams } from '../../../learner/io/index.js'
import { prepareGroup } from '../../../learner/service/batch.js'
import { applyChatTemplate, byteTokenizer, chatMessages, hfTokenizer, promptIds, type Tokenizer } from '../../../learner/tokenizer/index.js'
import type { BatchGroup } from '../../../schema/queries/index.js'

const template = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/chat-templates', `${name}.jinja`), 'utf8')

const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '<s>', '</s>']

/** A byte-level BPE tokenizer.json with no merges: every byte is one id (GPT-2's byte→unicode map), specials after. */
function byteLevelTokenizerJson() {
  const bs: number[] = []
  for (let b = 33; b <= 126; b++) bs.push(b)
  for (let b = 161; b <= 172; b++) bs.push(b)
  for (let b = 174; b <= 255; b++) bs.push(b)
  const cs = [...bs]
  for (let b = 0, n = 0; b < 256; b++) if (!bs.includes(b)) (bs.push(b), cs.push(256 + n++))
  const vocab: Record<string, number> = {}
  bs.forEach((b, i) => (vocab[String.fromCodePoint(cs[i])] = b))
  SPECIALS.forEach((s, i) => (vocab[s] = 256 + i))
  return {
    version: '1.0',
    added_tokens: SPECIALS.map((content, i) => ({ id: 256 + i, content, special: true, single_word: false, lstrip: false, rstrip: false, normalized: false })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  }
}

const tokenizer = (name: string, config: Record<string, unknown>): Tokenizer =>
  hfTokenizer(byteLevelTokenizerJson(), { chat_template: template(name), ...config })

const qwen3 = tokenizer('qwen3', { eos_token: '<|im_end|>', pad_token: '<|endoftext|>' })

describe('chat templates of the supported families', () => {
  it('Qwen2.5: default system prompt, add_generation_prompt', () => {
    const tok = tokenizer('qwen2.5', { eos_token: '<|im_end|>' })
    expect(applyChatTemplate(tok, chatMessages('Give me a short introduction to large language model.', {}))).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\nGive me a short introduction to large language model.<|im_end|>\n<|im_start|>assistant\n',
    )
    expect(applyChatTemplate(tok, chatMessages('Hi', { system: 'Be brief.' }), { addGenerationPrompt: false })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n',
    )
  })

  it('Qwen3: no default system, thinking of earlier turns dropped, enable_thinking=false', () => {
    expect(applyChatTemplate(qwen3, chatMessages('What is 2+2?', {}))).toBe('<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n')
    const history = [
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: '<think>\nA greeting.\n</think>\n\nHello!' },
      { role: 'user' as const, content: 'What is 2+2?' },
    ]
    expect(applyChatTemplate(qwen3, history, { variables: { enable_thinking: false } })).toBe(
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n' +
        '<|im_start|>assistant\n<think>\n\n</think>\n\n',
    )
  })

  it('Llama 3.2: bos_token, the knowledge header, the fixed fallback date, trimmed contents', () => {
    const tok = tokenizer('llama-3.2', { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' })
    const text = applyChatTemplate(tok, chatMessages(' What is 2+2? ', { system: 'You are a helpful assistant.' }))
    expect(text).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n' +
        'You are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    )
    // promptIds: the template's bos is the first id, specials are single ids, nothing is added twice
    const ids = promptIds(tok, ' What is 2+2? ', { chat: { system: 'You are a helpful assistant.' }, addBos: true })
    expect(ids[0]).toBe(tok.bos)
    expect(ids.filter((x) => x === tok.bos)).toHaveLength(1)
    expect(ids.filter((x) => x === tok.eos)).toHaveLength(2)
    expect(ids.slice(-4)).toEqual([...tok.encode('<|start_header_id|>assistant'), 261, 10, 10].slice(-4))
  })

  it('Mistral v0.1: raise_exception surfaces as an error naming the template', () => {
    const tok = tokenizer('mistral-v0.1', { bos_token: '<s>', eos_token: '</s>' })
    expect(applyChatTemplate(tok, chatMessages('Hi', {}))).toBe('<s>[INST] Hi [/INST]')
    expect(() => applyChatTemplate(tok, chatMessages('Hi', { system: 'x' }))).toThrow(/chat template: Conversation roles must alternate/)
  })

  it('special tokens in the rendered text encode to their ids; raw prompts are unchanged; no template is refused', () => {
    const ids = promptIds(qwen3, 'hi', { chat: {} })
    expect(ids.slice(0, 1)).toEqual([257]) // <|im_start|>
    expect(qwen3.decode(ids)).toBe('user\nhi\nassistant\n') // specials dropped on decode
    expect(promptIds(qwen3, 'hi')).toEqual([104, 105])
    expect(() => promptIds(byteTokenizer(), 'hi', { chat: {} })).toThrow(/need a chat template/)
  })
})

describe('one prompt function for workers and the learner', () => {
  it('OnnxGenerator prompt ids = the learner batch rows, for a chat task with a system prompt', async () => {
    const config = resolveConfig({ hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, vocab_size: 256 + SPECIALS.length, max_position_embeddings: 96 })
    const params = initParams(config, 5)
    const chat = { system: 'Be brief.' }
    const gen = new OnnxGenerator(inferenceModel({ config, params, tokenizer: qwen3 }, { batch: 2, promptLength: 64, cacheLength: 72 }), { threads: 1 })
    try {
      const [g] = await gen.generate(['1+2='], { n: 2, maxNewTokens: 4, temperature: 1, seed: 3, chat })
      expect(qwen3.decode(g.promptTokenIds)).toBe('system\nBe brief.\nuser\n1+2=\nassistant\n')
      const group: BatchGroup = {
        id: 1,
        promptId: 1,
        policyVersion: 0,
        promptText: '1+2=',
        task: { id: 1, name: 't', scaleRewards: 'group', temperature: 1, maxNewTokens: 4, chat },
        completions: g.completions.map((c, index) => ({ index, tokenIds: c.tokenIds, logprobs: c.logprobs, finishReason: c.finishReason, reward: index })),
      }
      const prepared = prepareGroup(group, { tokenizer: qwen3, config, addBos: false, temperature: 1, maskTruncated: false })
      if (!('rows' in prepared)) throw new Error(`rejected: ${prepared.reason}`)
      for (const [i, row] of prepared.rows.entries()) {
        expect(row.inputIds.slice(0, row.promptLength)).toEqual(g.promptTokenIds)
        expect(row.inputIds.slice(row.promptLength)).toEqual(g.completions[i].tokenIds)
      }
    } finally {
      await gen.close()
    }
  })
})
