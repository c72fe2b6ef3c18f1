/**
 * A throwaway PostgreSQL server for tests that must kill and restart the database: Debian's server binaries
 * (PG_BIN, default /usr/lib/postgresql/15/bin) run a fresh cluster in a temporary directory on a free port, in
 * its own process group so `kill()` can SIGKILL the postmaster and every backend at once. When the test runs
 * as root the server runs as the `postgres` user (initdb refuses root). `available()` says whether it can run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { freePort } from './net.js'

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (r.status !== 0 || g.status !== 0) return undefined
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) }
}

/** Why a throwaway server cannot run here, or null when it can. */
export function unavailableReason(): string | null {
  if (!existsSync(join(BIN, 'initdb')) || !existsSync(join(BIN, 'postgres')))
    return `no PostgreSQL server binaries in ${BIN} (set PG_BIN)`
  if (process.getuid?.() === 0 && !runAs()) return 'running as root without a postgres user to run the server as'
  return null
}

export interface ThrowawayPostgres {
  url: string
  port: number
  /** SIGKILL the postmaster and every backend (a crash: no shutdown, no checkpoint). */
  kill(): Promise<void>
  /** Start (again) on the same data directory and port; resolves once it accepts connections. */
  start(): Promise<void>
  /** Kill and delete the cluster. */
  destroy(): Promise<void>
}

export async function throwawayPostgres(): Promise<ThrowawayPostgres> {
  const as = runAs()
  const dir = mkdtempSync(join(tmpdir(), 'cohort-pg-'))
  if (as) chownSync(dir, as.uid, as.gid)
  const data = join(dir, 'data')
  const init = spawnSync(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'], {
    encoding: 'utf8',
    ...as,
  })
  if (init.status !== 0) throw new Error(`initdb failed (as ${as ? 'postgres' : userInfo().username}): ${init.stderr}`)
  const port = await freePort()
  let child: ChildProcess | undefined
  let log = ''

  const ready = async (deadline: number) => {
    while (Date.now() < deadline) {
      if (child?.exitCode !== null && child?.exitCode !== undefined) throw new Error(`postgres exited: ${log.slice(-2000)}`)
      const r = spawnSync(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { encoding: 'utf8' })
      if (r.status === 0) return
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`postgres did not accept connections: ${log.slice(-2000)}`)
  }

  const pg: ThrowawayPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      log = ''
      // fsync off: the test kills processes, not the machine; committed WAL stays in the OS page cache
      child = spawn(
        join(BIN, 'postgres'),
        ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
          '-c', 'fsync=off', '-c', 'max_connections=50'],
        { detached: true, stdio: ['ignore', 'ignore', 'pipe'], ...as },
      )
      child.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)))
      await ready(Date.now() + 30_000)
    },
    async kill() {
      const c = child
      if (!c || c.exitCode !== null || c.signalCode !== null) return
      const exited = new Promise((r) => c.once('exit', r))
      process.kill(-c.pid!, 'SIGKILL')
      await exited
      // backends die with the group; wait until the port is free of them too
      for (let i = 0; i < 50 && spawnSync('pgrep', ['-g', String(c.pid)]).status === 0; i++) await new Promise((r) => setTimeout(r, 50))
    },
    async destroy() {
      await pg.kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await pg.start()
  return pg
}
