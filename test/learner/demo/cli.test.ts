/** `cohort demo` argument handling: --help, and bad options refused (exit 2) before anything starts. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { demo as demoCommand } from '../../../cli/commands/demo.js'
import { main } from '../../../cli/index.js'

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

  // Each spawn loads the CLI through tsx (~3 s idle, ~10 s on a loaded 2-core machine), so the binary's exit-2
  // path is proven by two spawns and every other refusal runs through cli/index.ts main() in process (what the binary
  // calls: the same exit status and stderr line), so the test no longer sits near its timeout on a busy machine.
  const bad = join(dir, 'bad.jsonl')
  writeFileSync(bad, '{"prompt":"a","answer":"1"}\n{"prompt":"b"}\n')

  it('the binary refuses bad values with exit 2 and a reason on stderr', () => {
    for (const [args, why] of [
      [['--minutes', '0'], /--minutes must be a number/],
      [['--tasks', bad], /bad\.jsonl:2: "answer"/],
    ] as [string[], RegExp][]) {
      const r = demo(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(why)
    }
  })

  const inProcess = async (...args: string[]) => {
    const lines: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')))
    try {
      return { status: await main(['demo', ...args]), stderr: lines.join('\n') }
    } finally {
      spy.mockRestore()
    }
  }

  it('refuses bad values with exit 2 and a reason before anything starts (in process)', async () => {
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
    const good = join(dir, 'good.jsonl')
    writeFileSync(good, '{"prompt":"a","answer":"1"}\n{"prompt":"b","answer":2}\n')
    cases.push([['--tasks', good, '--verifier', '{"type":"nope"}'], /--verifier: type/])
    for (const [args, why] of cases) {
      const r = await inProcess(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(why)
    }
  })
})
