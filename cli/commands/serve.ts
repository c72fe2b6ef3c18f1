/** cohort serve: the edge on Node (also what `npm start` runs for now). */
import { join } from 'node:path'
import { nodeOptionsFromEnv, startNodeServer, type NodeServerOptions } from '../../edge/node.js'
import { buildContribute, ORT_WEB_DIR } from '../../learner/browser/build.js'
import { DEFAULT_DATA_DIR } from '../../schema/db.js'
import { parse, stopSignal, type Command } from '../command.js'
import { describeDatabase } from '../database.js'

/** The browser worker's bundle for /contribute (built at start, ~1 s); without it the page says so. */
async function contributeBundle(appDir: string): Promise<NodeServerOptions['contribute']> {
  try {
    await buildContribute(appDir)
    return { appDir, ortDir: ORT_WEB_DIR }
  } catch (err) {
    console.error(`cohort serve: no browser worker at /contribute (${(err as Error).message.split('\n')[0]})`)
    return undefined
  }
}

export const serve: Command = {
  name: 'serve',
  summary: 'run the edge API on Node (embedded database unless DATABASE_URL is set)',
  usage: `cohort serve [--port N] [--host H]

Starts the edge HTTP API on Node, applies pending migrations and prints the URL and the bootstrap admin key.
Pages: / (dashboard), /rate (people rating answers), /contribute (a browser rollout worker; its bundle is built
at start into <data dir>/contribute/).
  --port N   listen port (env PORT, default 8787)
  --host H   listen address (default 127.0.0.1)
Env: DATABASE_URL (a real Postgres), COHORT_DATA_DIR (embedded PGlite, default .cohort/),
     COHORT_ADMIN_KEY (bootstrap admin key), COHORT_BODY_LIMIT (bytes, default 16 MiB).`,
  async run(argv) {
    const { values } = parse(argv, { port: { type: 'string' }, host: { type: 'string' } })
    const opts = nodeOptionsFromEnv()
    if (values.port) opts.port = Number(values.port)
    if (values.host) opts.hostname = values.host
    opts.contribute = await contributeBundle(join(opts.dataDir ?? DEFAULT_DATA_DIR, 'contribute'))
    const signal = stopSignal() // before the "listening" line: a signal sent on seeing it finds the handler
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
    await signal.stopped
    await server.close()
    return 0
  },
}
