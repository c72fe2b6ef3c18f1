/** `cohort demo` argument handling: --help, and bad options refused (exit 2) before anything starts. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { demo as demoCommand } from '../../../cli/commands/demo.js'

const BIN = join(import.meta.dirname, '../../../cli/bin.mjs')
const dir = mkdtempSync(join(tmpdir(), 'cohort-demo-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const demo = (...args: string[]) => spawnSync(process.execPath, [BIN, 'demo', ...args], { encoding: 'utf8', cwd: dir })

describe('cohort demo options', () => {
  it('--sft-target outside (0, 1] is refused before anything starts (in process: no spawn)', async () => {
    for (const v of ['0', '1.5', 'high']) await expect(demoCommand.run(['--sft-target', v])).rejects.toThrow(/--sft-target must be a number in \(0, 1\]/)
  })

  it('--lr, --publish-every, --sft-weight-decay: bad values are refused before anything starts (in process: no spawn)', async () => {
    for (const v of ['0', '1', 'fast']) await expect(demoCommand.run(['--lr', v])).rejects.toThrow(/--lr must be a number in \(0, 1\)/)
    for (const v of ['0', '2.5']) await expect(demoCommand.run(['--publish-every', v])).rejects.toThrow(/--publish-every must be an integer in \[1, 1000000\]/)
    for (const v of ['1', '2', 'none']) await expect(demoCommand.run(['--sft-weight-decay', v])).rejects.toThrow(/--sft-weight-decay must be a number in \[0, 1\)/)
  })

  it('--help documents every option', () => {
    const r = demo('--help')
    expect(r.status).toBe(0)
    for (const o of ['--minutes', '--grpo-steps', '--workers', '--lr', '--publish-every', '--port', '--database-url', '--tasks', '--verifier', '--sft-steps', '--sft-target', '--sft-max-operand', '--sft-weight-decay', '--seed', '--data-dir', '--chat', '--lora-rank', '--lora-alpha', '--lora-dropout', '--lora-targets'])
      expect(r.stdout).toContain(o)
  })

  it('refuses bad values with exit 2 and a reason', () => {
    const bad = join(dir, 'bad.jsonl')
    writeFileSync(bad, '{"prompt":"a","answer":"1"}\n{"prompt":"b"}\n')
    const cases: [string[], RegExp][] = [
      [['--minutes', '0'], /--minutes must be a number/],
      [['--grpo-steps', '0'], /--grpo-steps must be an integer in \[1, 1000000\]/],
      [['--minutes', '2', '--grpo-steps', '100'], /--minutes and --grpo-steps: give one/],
      [['--workers', '9'], /--workers must be an integer in \[1, 8\]/],
      [['--verifier', '{"type":"exact"}'], /--verifier goes with --tasks/],
      [['--tasks', bad], /bad\.jsonl:2: "answer"/],
      [['--tasks', join(dir, 'missing.jsonl')], /no such file/],
      [['--tasks', bad, '--verifier', '{"type":"nope"}'], /bad\.jsonl:2/],
      [['--lora-rank', '0'], /rank must be a positive integer/],
      [['--sft-max-operand', '12'], /--sft-max-operand must be an integer in \[19, 99\]/],
      [['--sft-max-operand', '29', '--tasks', bad], /--sft-max-operand goes with the built-in task/],
    ]
    for (const [args, why] of cases) {
      const r = demo(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(why)
    }
    const good = join(dir, 'good.jsonl')
    writeFileSync(good, '{"prompt":"a","answer":"1"}\n{"prompt":"b","answer":2}\n')
    const r = demo('--tasks', good, '--verifier', '{"type":"nope"}')
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--verifier: type/)
  })
})
