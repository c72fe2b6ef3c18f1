/** cohort migrate: apply pending migrations to DATABASE_URL or the embedded database. */
import { parse, type Command } from '../command.js'
import { describeDatabase, withDatabase } from '../database.js'

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply pending database migrations',
  usage: `cohort migrate

Applies schema/migrations/ to DATABASE_URL, or to the embedded PGlite in COHORT_DATA_DIR (default .cohort/).`,
  async run(argv) {
    parse(argv, {})
    await withDatabase(async () => {})
    console.log(`migrations applied (${describeDatabase()})`)
    return 0
  },
}
