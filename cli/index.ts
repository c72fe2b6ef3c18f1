/** `cohort <command>`: dispatch over the command table, with --help for the tool and for each command. */
import { UsageError, wantsHelp } from './command.js'
import { COMMANDS } from './commands/index.js'

export { COMMANDS }

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'usage: cohort <command> [options]   (cohort <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n')
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name ? 0 : 1
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    console.error(`cohort: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  if (wantsHelp(rest)) {
    console.log(command.usage)
    return 0
  }
  try {
    return await command.run(rest)
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`cohort ${name}: ${err.message}\n\n${command.usage}`)
      return 2
    }
    // settings that do not fit together (e.g. an inference bucket longer than the model's positions): one line
    if (err instanceof RangeError) {
      console.error(`cohort ${name}: ${err.message}`)
      return 2
    }
    throw err
  }
}
