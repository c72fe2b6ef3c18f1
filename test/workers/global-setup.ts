/**
 * Global setup of the Workers tests (runs in Node): a fresh migrated database that workerd reaches over TCP —
 * a new database on the real Postgres server when one is there, else an in-memory PGlite served by
 * pglite-socket — and a bootstrap admin key; both are provided to the worker's bindings.
 */
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import type { TestProject } from 'vitest/node'
import { openDatabase } from '../../schema/db.js'
import { migrateDatabase } from '../../schema/migrate.js'
import { randomToken } from '../../schema/crypto.js'
import { createServerDatabase, testServerUrl } from '../helpers/db.js'
import { freePort } from '../helpers/net.js'
import { closeNodeSandboxes, installNodeSandboxes, startSandboxServer } from '../../sandbox/index.js'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    databaseKind: 'postgres' | 'pglite'
    adminKey: string
    /** `cohort sandbox` (in this Node process) that the Worker reaches through an http verifier. */
    sandboxUrl: string
    sandboxSecret: string
  }
}


/** The sandbox server a Worker verifies Python through (warm, so the first request does not wait ~3 s for Pyodide). */
async function sandbox(project: TestProject) {
  const secret = randomToken(24)
  const pools = installNodeSandboxes({ size: 1 })
  await pools.python.warm()
  const server = await startSandboxServer({ secret, port: await freePort(), pools })
  project.provide('sandboxUrl', server.url)
  project.provide('sandboxSecret', secret)
  return async () => {
    await server.close()
    await closeNodeSandboxes()
  }
}

export default async function setup(project: TestProject) {
  project.provide('adminKey', `ck_admin_${randomToken(24)}`)
  const stopSandbox = await sandbox(project)
  const serverUrl = await testServerUrl()
  if (serverUrl) {
    const created = await createServerDatabase(serverUrl)
    const database = await openDatabase({ databaseUrl: created.url })
    await migrateDatabase(database)
    await database.close()
    project.provide('databaseUrl', created.url)
    project.provide('databaseKind', 'postgres')
    return async () => {
      await stopSandbox()
      await created.drop()
    }
  }
  const database = await openDatabase({ dataDir: 'memory://' })
  await migrateDatabase(database)
  const port = await freePort()
  // one serialized PGlite session shared by every connection; allow a few so per-request clients can overlap
  const server = new PGLiteSocketServer({ db: database.pglite!, port, host: '127.0.0.1', maxConnections: 16 })
  await server.start()
  project.provide('databaseUrl', `postgres://postgres@127.0.0.1:${port}/postgres`)
  project.provide('databaseKind', 'pglite')
  return async () => {
    await stopSandbox()
    await server.stop()
    await database.close()
  }
}
