/** cohort serve: the edge on Node (also what `npm start` runs for now). */
import { nodeOptionsFromEnv, startNodeServer } from '../../edge/node.js'
import { parse, type Command } from '../command.js'
import { describeDatabase } from '../database.js'

export const serve: Command = {
  name: 'serve',
  summary: 'run the edge API on Node (embedded database unless DATABASE_URL is set)',
  usage: `cohort serve [--port N] [--host H]

Starts the edge HTTP API on Node, applies pending migrations and prints the URL and the bootstrap admin key.
  --port N   listen port (env PORT, default 8787)
  --host H   listen address (default 127.0.0.1)
Env: DATABASE_URL (a real Postgres), COHORT_DATA_DIR (embedded PGlite, default .cohort/),
     COHORT_ADMIN_KEY (bootstrap admin key), COHORT_BODY_LIMIT (bytes, default 16 MiB).`,
  async run(argv) {
    const { values } = parse(argv, { port: { type: 'string' }, host: { type: 'string' } })
    const opts = nodeOptionsFromEnv()
    if (values.port) opts.port = Number(values.port)
    if (values.host) opts.hostname = values.host
    const server = await startNodeServer(opts)
    const admin =
      server.admin.key === null
        ? 'admin keys already exist (make another: cohort keys create --role admin)'
        : server.admin.source === 'env'
          ? 'admin key: from COHORT_ADMIN_KEY'
          : `admin key: ${server.admin.key}${server.admin.source === 'file' ? ' (saved in the data directory)' : ''}`
    console.log(`cohort edge listening on ${server.url}  (database: ${describeDatabase()})`)
    console.log(admin)
    console.log(`try: curl -H "Authorization: Bearer <admin key>" ${server.url}/v1/stats`)
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await server.close()
    return 0
  },
}
