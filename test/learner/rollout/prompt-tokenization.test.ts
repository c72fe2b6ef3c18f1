/**
 * promptTokenization: what `cohort rollout --engine openai` reads from a published version to tokenize prompts —
 * only the small files (never the weights), each checked against the manifest — gives the prompt ids the learner's
 * own loadCheckpoint tokenizer gives, here for a SentencePiece-style (Llama-2 / Mistral) tokenizer.json with a BOS
 * and a chat template, under cohort_prompt_bos.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../learner/config.js'
import { initParams, loadCheckpoint, saveCheckpoint } from '../../../learner/io/index.js'
import { manifestOf, sha256Hex } from '../../../learner/publish/manifest.js'
import { PROMPT_FILES, promptTokenization, type ModelInfo } from '../../../learner/rollout/index.js'
import { hfTokenizer, promptIds } from '../../../learner/tokenizer/index.js'

const sp = (id: number, content: string) => ({ id, content, special: true, single_word: false, lstrip: false, rstrip: false, normalized: false })
const vocab = { '<unk>': 0, '<s>': 1, '</s>': 2, '▁': 3, a: 4, '▁a': 5, '<0xC3>': 6, '<0xA9>': 7, '|': 8, '>': 9 }
const tokenizerJson = {
  version: '1.0', added_tokens: [sp(0, '<unk>'), sp(1, '<s>'), sp(2, '</s>')], post_processor: null, pre_tokenizer: null,
  normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
  decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
  model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges: [['▁', 'a']] },
}
const chatTemplate = "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}{% if add_generation_prompt %}>{% endif %}"
const config = resolveConfig({ model_type: 'llama', hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 8, vocab_size: 10, bos_token_id: 1, eos_token_id: 2 })

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** A published-version description of folder `dir` (as the edge serves it) and a reader that records what it read. */
async function version(dir: string): Promise<{ info: ModelInfo; read: string[]; reader: (m: ModelInfo, p: string) => Promise<Uint8Array> }> {
  const files: ModelInfo['files'] = {}
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name)
    if (!(await stat(path)).isFile()) continue
    const bytes = await readFile(path)
    files[relative(dir, path)] = { sha256: sha256Hex(bytes), bytes: bytes.length }
  }
  const info: ModelInfo = { version: 3, step: 9, artifactUri: `file://${dir}/`, sha256: manifestOf(files).sha256, files, metrics: {}, publishedAt: '' }
  const read: string[] = []
  return { info, read, reader: async (_, p) => (read.push(p), new Uint8Array(await readFile(join(dir, p)))) }
}

describe('promptTokenization (engine workers read the served version’s tokenizer)', () => {
  it('reads only the small files and gives the learner’s prompt ids: text with BOS under cohort_prompt_bos, chat from the template', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-prompts-'))
    dirs.push(dir)
    const tok = hfTokenizer(tokenizerJson, { bos_token: '<s>', eos_token: '</s>', chat_template: chatTemplate }, { bos: 1, eos: 2 })
    await saveCheckpoint(dir, { config, params: initParams(config, 1), tokenizer: tok, promptBos: true })
    const { info, read, reader } = await version(dir)
    expect(Object.keys(info.files)).toContain('model.safetensors')
    const got = await promptTokenization(info, reader)
    expect(read.sort()).toEqual(PROMPT_FILES.filter((p) => p in info.files).sort()) // never the weights
    expect(got.addBos).toBe(true)
    const learner = await loadCheckpoint(dir) // what the learner tokenizes with
    expect(learner.promptBos).toBe(true)
    for (const text of ['a é', 'aa a']) {
      expect(promptIds(got.tokenizer!, text, { addBos: got.addBos })).toEqual(promptIds(learner.tokenizer!, text, { addBos: true }))
      expect(promptIds(got.tokenizer!, text, { chat: {} })).toEqual(promptIds(learner.tokenizer!, text, { chat: {} }))
    }
    expect(promptIds(got.tokenizer!, 'a é', { addBos: got.addBos })).toEqual([1, 5, 3, 6, 7])
    expect(promptIds(got.tokenizer!, 'a', { chat: {} })).toEqual([1, 5, 9]) // "<s>a>": the template's BOS, no second one
  })

  it('a file that does not match the manifest is refused; a version without cohort_prompt_bos prompts without BOS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-prompts-'))
    dirs.push(dir)
    await saveCheckpoint(dir, { config, params: initParams(config, 1), tokenizer: hfTokenizer(tokenizerJson, {}, { bos: 1, eos: 2 }) })
    const { info, reader } = await version(dir)
    const plain = await promptTokenization(info, reader)
    expect(plain.addBos).toBe(false)
    expect(promptIds(plain.tokenizer!, 'a', { addBos: plain.addBos })).toEqual([5])
    const tampered = async (m: ModelInfo, p: string) => (p === 'tokenizer.json' ? new TextEncoder().encode('{}') : reader(m, p))
    await expect(promptTokenization(info, tampered)).rejects.toThrow(/tokenizer.json: .*do not match the manifest/)
  })
})
