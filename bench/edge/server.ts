/** A server under test in its own process (its own process group): started, awaited on /healthz, stopped. */
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync } from 'node:fs'

/** Start a server process and wait until /healthz answers 200. */
export async function startServer(cmd: string, args: string[], env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let log = ''
  // BENCH_SERVER_LOG=<file>: the servers' output is appended there (e.g. why wrangler dev restarted its worker)
  const keep = process.env.BENCH_SERVER_LOG
  const take = (d: Buffer) => {
    if (log.length < 100_000) log += d
    if (keep) appendFileSync(keep, d)
  }
  child.stdout!.on('data', take)
  child.stderr!.on('data', take)
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return child
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL')
  throw new Error(`${cmd} ${args.join(' ')} did not come up:\n${log.slice(-3000)}`)
}

export async function stopServer(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r))
  process.kill(-child.pid!, 'SIGINT')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
  if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL')
}

