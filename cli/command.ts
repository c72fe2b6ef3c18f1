/** The shape of a CLI command, and the argument parsing every command shares (node:util parseArgs). */
import { parseArgs, type ParseArgsConfig } from 'node:util'

export interface Command {
  /** e.g. "keys" */
  name: string
  /** One line for `cohort --help`. */
  summary: string
  /** Full `cohort <name> --help` text. */
  usage: string
  /** Returns the exit code. */
  run(argv: string[]): Promise<number>
}

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>

/** parseArgs with strict checking; unknown flags or missing values become a UsageError. */
export function parse<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

export const wantsHelp = (argv: string[]) => argv.includes('--help') || argv.includes('-h')
