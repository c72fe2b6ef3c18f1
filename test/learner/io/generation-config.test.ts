/** generation_config.json: stop ids and default sampling honoured, decoding options Cohort lacks refused by name. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../learner/config.js'
import { GENERATION_CONFIG, initParams, loadCheckpoint, modelStopIds, readGenerationConfig, saveCheckpoint } from '../../../learner/io/index.js'
import { byteTokenizer } from '../../../learner/tokenizer/index.js'

describe('generation_config.json', () => {
  it('Llama-3.2-Instruct and Qwen3 files: eos lists, sampling defaults', () => {
    const llama = readGenerationConfig({ bos_token_id: 128000, do_sample: true, eos_token_id: [128001, 128008, 128009], temperature: 0.6, top_p: 0.9, transformers_version: '4.45.0.dev0' })
    expect(llama).toEqual({ bos_token_id: 128000, eos_token_id: [128001, 128008, 128009], temperature: 0.6, top_p: 0.9 })
    const qwen3 = readGenerationConfig({ bos_token_id: 151643, do_sample: true, eos_token_id: [151645, 151643], pad_token_id: 151643, temperature: 0.6, top_k: 20, top_p: 0.95 })
    expect(qwen3).toMatchObject({ eos_token_id: [151645, 151643], temperature: 0.6, top_k: 20, top_p: 0.95 })
    expect(readGenerationConfig({ do_sample: false, temperature: 0.7, eos_token_id: 2 })).toEqual({ eos_token_id: [2], temperature: 0 })
    expect(modelStopIds(128009, 128001, llama)).toEqual([128009, 128001, 128008])
  })

  it('refuses decoding options the sampler does not implement, by name', () => {
    expect(() => readGenerationConfig({ repetition_penalty: 1.1, num_beams: 4, min_p: 0 })).toThrow(/unsupported options: repetition_penalty=1.1, num_beams=4$/)
    expect(() => readGenerationConfig({ repetition_penalty: 1, num_beams: 1 })).not.toThrow()
  })

  it('round-trips through a checkpoint folder with the chat template (tokenizer_config.json or chat_template.jinja)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohort-gen-'))
    try {
      const config = resolveConfig({ hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, vocab_size: 259 })
      const generation = { eos_token_id: [258, 10], temperature: 0.7 }
      await saveCheckpoint(dir, { config, params: initParams(config, 1), tokenizer: byteTokenizer('{{ messages[0].content }}'), generation })
      expect(JSON.parse(await readFile(join(dir, GENERATION_CONFIG), 'utf8'))).toEqual(generation)
      const back = await loadCheckpoint(dir)
      expect(back.generation).toEqual(generation)
      expect(back.tokenizer?.chatTemplate).toBe('{{ messages[0].content }}')
      // a template saved as chat_template.jinja (newer transformers) is read when tokenizer_config.json has none
      await rm(join(dir, 'tokenizer_config.json'))
      await writeFile(join(dir, 'chat_template.jinja'), '{{ messages[-1].content }}!')
      expect((await loadCheckpoint(dir)).tokenizer?.chatTemplate).toBe('{{ messages[-1].content }}!')
      await writeFile(join(dir, GENERATION_CONFIG), JSON.stringify({ typical_p: 0.5 }))
      await expect(loadCheckpoint(dir)).rejects.toThrow(/generation_config.json: unsupported options: typical_p=0.5/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
