/**
 * Database administration on a Postgres server: make and drop whole databases (the demo's fresh database per run,
 * the tests' throwaway ones). Names are checked: CREATE/DROP DATABASE take no bind parameters.
 */
import postgres from 'postgres'

const NAME = /^[a-z_][a-z0-9_]{0,62}$/

function checked(name: string): string {
  if (!NAME.test(name)) throw new RangeError(`database name must match ${NAME}, got ${JSON.stringify(name)}`)
  return name
}

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrlOn(serverUrl: string, name: string): string {
  const u = new URL(serverUrl)
  u.pathname = `/${checked(name)}`
  return u.toString()
}

/** One statement on a single-use admin connection to the server of `serverUrl`. */
async function onServer(serverUrl: string, statement: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(statement)
  } finally {
    await admin.end()
  }
}

/** CREATE DATABASE `name` on the server of `serverUrl`; returns its URL. */
export async function createDatabaseOn(serverUrl: string, name: string): Promise<string> {
  await onServer(serverUrl, `CREATE DATABASE ${checked(name)}`)
  return databaseUrlOn(serverUrl, name)
}

/** DROP DATABASE IF EXISTS `name` (closing its connections) on the server of `serverUrl`. */
export function dropDatabaseOn(serverUrl: string, name: string): Promise<void> {
  return onServer(serverUrl, `DROP DATABASE IF EXISTS ${checked(name)} WITH (FORCE)`)
}

/** ALTER DATABASE `name` SET synchronous_commit: commits stop waiting for the WAL flush when off (benchmarks' comparisons only: a crash could lose a committed row). */
export function setSynchronousCommit(serverUrl: string, name: string, on: boolean): Promise<void> {
  return onServer(serverUrl, `ALTER DATABASE ${checked(name)} SET synchronous_commit = ${on ? 'on' : 'off'}`)
}
