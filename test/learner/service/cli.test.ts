/** `cohort learn` argument handling (the loop itself runs in learner.test.ts and the crash test). */
import { describe, expect, it, vi } from 'vitest'
import { main } from '../../../cli/index.js'

describe('cohort learn', () => {
  it('is listed, and --help documents its options', async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      expect(await main(['--help'])).toBe(0)
      expect(out.mock.calls.flat().join('\n')).toMatch(/learn\s+run the GRPO learner/)
      expect(await main(['learn', '--help'])).toBe(0)
      const help = out.mock.calls.flat().join('\n')
      for (const flag of ['--batch-groups', '--max-staleness', '--publish-every', '--checkpoint-every', '--logprob-tolerance', '--quiet', '--beta', '--loss-type'])
        expect(help).toContain(flag)
    } finally {
      out.mockRestore()
    }
  })

  it('refuses bad options with exit code 2 before touching a database', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      expect(await main(['learn', '--loss-type', 'ppo'])).toBe(2)
      expect(await main(['learn', '--batch-groups', 'two'])).toBe(2)
      expect(await main(['learn', '--no-such-flag'])).toBe(2)
      expect(await main(['learn', '--publish-every', '0'])).toBe(2)
      expect(await main(['learn', '--temperature', '0'])).toBe(2)
      const said = err.mock.calls.flat().join('\n')
      expect(said).toMatch(/--loss-type must be one of/)
      expect(said).toMatch(/publishEvery must be an integer ≥ 1/)
      expect(said).toMatch(/temperature must be > 0/)
    } finally {
      err.mockRestore()
    }
  })
})
