/** `cohort tasks add`: sampling defaults from a model's generation_config.json, the chat option, and the refusal
 * of a generation_config.json with decoding options Cohort cannot honour. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../cli/index.js'

describe('cohort tasks add --model / --system', { timeout: 300_000 }, () => {
  it('takes the model\'s sampling defaults for options not given; renders prompts as chat with a system prompt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-cli-tasks-'))
    const env = { COHORT_DATA_DIR: process.env.COHORT_DATA_DIR, DATABASE_URL: process.env.DATABASE_URL }
    process.env.COHORT_DATA_DIR = join(dir, 'data')
    delete process.env.DATABASE_URL
    const out: string[] = []
    const errors: string[] = []
    const [log, err] = [console.log, console.error]
    console.log = (s: string) => out.push(s)
    console.error = (s: string) => errors.push(s)
    try {
      writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ do_sample: true, eos_token_id: [1, 2], temperature: 0.6, top_p: 0.95, top_k: 20 }))
      expect(await main(['tasks', 'add', '--name', 'qwen', '--group-size', '4', '--model', dir, '--top-k', '0', '--system', 'Be brief.'])).toBe(0)
      await main(['tasks', 'list'])
      expect(out.at(-1)).toMatch(/^qwen\tG=4\ttemperature=0.6 top_p=0.95 top_k=0\tchat \{"system":"Be brief."\}\t\{"type":"exact"/)
      writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ repetition_penalty: 1.05 }))
      expect(await main(['tasks', 'add', '--name', 'other', '--group-size', '4', '--model', dir])).toBe(2)
      expect(errors.join('\n')).toMatch(/generation_config.json: unsupported options: repetition_penalty=1.05/)
    } finally {
      console.log = log
      console.error = err
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]
      else process.env[k] = v
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
