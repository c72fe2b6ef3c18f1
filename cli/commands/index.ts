/** The command table of `cohort`. Add a command: write commands/<name>.ts exporting a Command, list it here. */
import type { Command } from '../command.js'
import { demo } from './demo.js'
import { exportCommand } from './export.js'
import { keys } from './keys.js'
import { learn } from './learn.js'
import { migrate } from './migrate.js'
import { rollout } from './rollout.js'
import { sandbox } from './sandbox.js'
import { serve } from './serve.js'
import { tasks } from './tasks.js'

export const COMMANDS: Command[] = [serve, learn, keys, tasks, migrate, rollout, demo, sandbox, exportCommand]
