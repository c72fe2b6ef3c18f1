/** Entry point: `tsx cli/run.ts <command> …` (npm run cohort / serve / migrate; the `cohort` bin). */
import { main } from './index.js'

process.exitCode = await main(process.argv.slice(2))
