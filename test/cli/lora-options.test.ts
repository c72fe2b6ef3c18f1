/** --lora-* flags (cohort learn, cohort demo): defaults, and bad values refused as usage errors naming the flag. */
import { describe, expect, it } from 'vitest'
import { loraOption } from '../../cli/commands/lora-options.js'
import { UsageError } from '../../cli/command.js'
import { LORA_TARGETS } from '../../learner/lora/index.js'

describe('LoRA options', () => {
  it('none without --lora-rank; PEFT-like defaults with it; every field settable', () => {
    expect(loraOption({})).toBeUndefined()
    expect(loraOption({ 'lora-rank': '8' })).toEqual({ r: 8, alpha: 16, dropout: 0, targets: [...LORA_TARGETS] })
    expect(loraOption({ 'lora-rank': '4', 'lora-alpha': '8', 'lora-dropout': '0.05', 'lora-targets': 'q_proj, v_proj' })).toEqual({ r: 4, alpha: 8, dropout: 0.05, targets: ['q_proj', 'v_proj'] })
  })

  it.each([
    [{ 'lora-alpha': '4' }, /--lora-alpha needs --lora-rank/],
    [{ 'lora-rank': '0' }, /rank must be a positive integer/],
    [{ 'lora-rank': '2.5' }, /rank must be a positive integer/],
    [{ 'lora-rank': '8', 'lora-targets': 'q_proj,lm_head' }, /targets must be among q_proj/],
    [{ 'lora-rank': '8', 'lora-dropout': '1' }, /dropout must be in \[0, 1\)/],
    [{ 'lora-rank': '8', 'lora-alpha': '-1' }, /alpha must be positive/],
  ])('%j is refused', (v, why) => {
    expect(() => loraOption(v)).toThrow(UsageError)
    expect(() => loraOption(v)).toThrow(why)
  })
})
