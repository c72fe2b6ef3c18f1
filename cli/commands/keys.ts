/**
 * cohort keys create|list|revoke: manage API keys directly in the database (DATABASE_URL or the embedded one).
 * A created key is printed once; only its sha256 is stored. Over HTTP the same is POST/GET/DELETE /v1/keys.
 */
import { createKey, listKeys, revokeKey, ROLES, type KeyListing, type Role } from '../../schema/queries/index.js'
import { parse, UsageError, type Command } from '../command.js'
import { withDatabase } from '../database.js'
import { intOption } from './numeric-options.js'

const date = (d: Date | null) => (d ? d.toISOString().slice(0, 19).replace('T', ' ') : '-')
const limit = (n: number | null) => (n === null ? '-' : `${n}/min`)

function table(keys: KeyListing[]): string {
  const head = ['id', 'prefix', 'role', 'label', 'created', 'last used', 'revoked', 'leases', 'submissions', 'usage (l/g/r)']
  const body = keys.map((k) => [
    String(k.id),
    k.prefix,
    k.role,
    k.label ?? '',
    date(k.createdAt),
    date(k.lastUsedAt),
    k.revokedAt ? date(k.revokedAt) : k.expiresAt && k.expiresAt < new Date() ? 'expired' : '-',
    limit(k.leasesPerMinute),
    limit(k.submissionsPerMinute),
    `${k.usage.leases}/${k.usage.groups}/${k.usage.ratings}`,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)))
  return [head, ...body].map((r) => r.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

export const keys: Command = {
  name: 'keys',
  summary: 'create, list and revoke API keys (admin | worker | rater | learner)',
  usage: `cohort keys create --role R [--label L] [--leases-per-min N] [--submissions-per-min N]
cohort keys list
cohort keys revoke ID

Works on the database directly (DATABASE_URL or the embedded one); over HTTP use POST/GET/DELETE /v1/keys.
  create   prints the new key once; only its sha256 is stored. Without limits the key is unlimited.
  list     every key: id, prefix, role, label, dates, limits, usage (leases / groups / ratings); never the key
  revoke   the key answers 401 from its next request; its open leases are released, its groups stay
  --role R    ${ROLES.join(' | ')}
  --label L   a note shown in the listing`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      role: { type: 'string' },
      label: { type: 'string' },
      'leases-per-min': { type: 'string' },
      'submissions-per-min': { type: 'string' },
    })
    switch (positionals[0]) {
      case 'create': {
        const role = values.role as Role
        if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`)
        const perMin = (flag: 'leases-per-min' | 'submissions-per-min') =>
          values[flag] === undefined ? null : intOption(flag, values[flag], 0, 1, 1_000_000)
        const limits = { leasesPerMinute: perMin('leases-per-min'), submissionsPerMinute: perMin('submissions-per-min') }
        const created = await withDatabase(({ db }) => createKey(db, role, { label: values.label, limits }))
        console.log(created.key)
        return 0
      }
      case 'list':
        console.log(table(await withDatabase(({ db }) => listKeys(db))))
        return 0
      case 'revoke': {
        if (positionals[1] === undefined) throw new UsageError('expected: cohort keys revoke ID')
        const id = intOption('ID', positionals[1], 0, 1, 2 ** 31 - 1)
        const outcome = await withDatabase(({ db }) => revokeKey(db, id))
        if (outcome === 'not_found') {
          console.error(`no key ${id}`)
          return 1
        }
        console.log(outcome === 'revoked' ? `revoked key ${id}` : `key ${id} was already revoked`)
        return 0
      }
      default:
        throw new UsageError('expected: cohort keys create|list|revoke')
    }
  },
}
