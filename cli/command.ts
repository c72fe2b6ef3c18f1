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

/**
 * SIGINT / SIGTERM as a promise, listened for from this call on. A long-running command calls it before it prints
 * anything that says it is up: a supervisor (or a test) that signals on seeing that line must find the handler
 * installed. (It used to be installed after the "listening" line; a SIGTERM landing in between took Node's default
 * action and killed the process — exit by signal, not 0.) `dispose` removes the listeners.
 */
export function stopSignal(): { stopped: Promise<NodeJS.Signals>; dispose(): void } {
  let resolve!: (s: NodeJS.Signals) => void
  const stopped = new Promise<NodeJS.Signals>((r) => (resolve = r))
  const onSignal = (s: NodeJS.Signals) => resolve(s)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    stopped,
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
