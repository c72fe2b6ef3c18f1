/** cohort keys create --role R: make an API key directly in the database and print it (shown once). */
import { createKey, ROLES, type Role } from '../../schema/queries/index.js'
import { parse, UsageError, type Command } from '../command.js'
import { withDatabase } from '../database.js'

export const keys: Command = {
  name: 'keys',
  summary: 'create API keys (admin | worker | rater | learner)',
  usage: `cohort keys create --role R [--label L]

Creates a key in the database (DATABASE_URL or the embedded one) and prints it once; only its sha256 is stored.
  --role R    ${ROLES.join(' | ')}
  --label L   a note shown nowhere but the database`,
  async run(argv) {
    const { values, positionals } = parse(argv, { role: { type: 'string' }, label: { type: 'string' } })
    if (positionals[0] !== 'create') throw new UsageError('expected: cohort keys create --role R')
    const role = values.role as Role
    if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`)
    const created = await withDatabase(({ db }) => createKey(db, role, values.label))
    console.log(created.key)
    return 0
  },
}
