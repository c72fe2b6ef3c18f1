/**
 * A bounded pool of sandbox processes (child.mjs) for one language: the `CodeSandbox` that Node entry points
 * register for the `code-tests` verifier. A session holds one process for one completion's tests; at most `size`
 * sessions run at once, at most `maxQueue` wait, and the next is refused with SandboxBusyError (never unbounded).
 * Hard limits, from this side (the child enforces the soft ones and reports them as outcomes):
 *   time    the child's CPU time during a test (/proc/<pid>/stat) past timeoutMs + graceMs, or its wall time past
 *           4 × timeoutMs + 10 s (a machine too loaded to be fair), kills it: status timeout
 *   memory  its resident set (/proc/<pid>/status VmRSS) past the size it had when ready + memoryMb + rssSlackMb
 *           kills it: status memory
 *   death   a child that exits mid-test (crash, abort) yields status crash
 * A killed, crashed or dirty child (harness.py) is replaced; replacements start in the background.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { SandboxBusyError, type CodeSandbox, type SandboxLimits, type SandboxSession, type TestInput, type TestOutcome } from '../verifiers/index.js'

export type SandboxLanguage = 'javascript' | 'python'

export interface PoolOptions {
  /** Processes running tests at once (default: CPUs − 1, at least 1, at most 4). */
  size?: number
  /** Sessions that may wait for a process; one more is refused (default 64). */
  maxQueue?: number
  /** CPU time past timeoutMs before the hard kill (ms, default 1000). */
  graceMs?: number
  /** Resident memory allowed above ready-size + memoryMb before the hard kill (MiB, default 96). */
  rssSlackMb?: number
  /** How long a process may take to start (ms, default 120 s: Pyodide loads in ~2–5 s, far more on a busy machine). */
  startTimeoutMs?: number
}

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = dirname(HERE)
const require = createRequire(import.meta.url)
/** The folder of an installed package (from its main entry: not every package exports ./package.json). */
function packageDir(name: string): string {
  const entry = require.resolve(name)
  const at = entry.lastIndexOf(`/node_modules/${name}/`)
  if (at < 0) throw new Error(`cannot locate package ${name} (resolved to ${entry})`)
  return entry.slice(0, at + `/node_modules/${name}`.length)
}

/** What a child may read (Node permission model): this folder, the verifier's QuickJS runner, the runtimes. */
function readablePaths(language: SandboxLanguage): string[] {
  const paths = [HERE, join(ROOT, 'verifiers', 'code-tests')]
  if (language === 'javascript') {
    paths.push(packageDir('quickjs-emscripten-core'), packageDir('@jitl/quickjs-wasmfile-release-sync'), packageDir('@jitl/quickjs-ffi-types'))
  } else paths.push(packageDir('pyodide'))
  return paths
}

const TICK_MS = 1000 / 100 // /proc clock ticks (USER_HZ is 100 on Linux)

/** CPU ms (utime + stime) and resident bytes of a process, from /proc; null when it is gone. */
function procUsage(pid: number): { cpuMs: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)
    return { cpuMs, rssBytes: rss ? Number(rss[1]) * 1024 : 0 }
  } catch {
    return null
  }
}

interface Pending {
  resolve: (o: { outcome: TestOutcome; recycle: boolean }) => void
  reject: (e: Error) => void
}

class Child {
  readonly proc: ChildProcess
  readonly ready: Promise<void>
  readyRss = 0
  dead = false
  /** Killed (or being killed): hand it no more tests. */
  retired = false
  private pending = new Map<number, Pending>()
  private nextId = 1
  private exitReason = 'sandbox process exited'

  constructor(language: SandboxLanguage, startTimeoutMs: number) {
    const execArgv = ['--experimental-permission', ...readablePaths(language).map((p) => `--allow-fs-read=${p}`), '--no-warnings', '--max-old-space-size=256']
    this.proc = fork(join(HERE, 'child.mjs'), [language, ...(language === 'python' ? [packageDir('pyodide')] : [])], {
      execArgv,
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    })
    // an idle pool never keeps its parent alive (a test in flight does: its watchdog timer is referenced)
    this.proc.unref()
    this.proc.channel?.unref()
    let stderr = ''
    this.proc.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString()
    })
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill('sandbox process did not start in time')
        reject(new Error(`sandbox process did not start within ${startTimeoutMs} ms`))
      }, startTimeoutMs)
      this.proc.on('message', (m: { ready?: boolean; id?: number; outcome?: TestOutcome; recycle?: boolean }) => {
        if (m.ready) {
          clearTimeout(timer)
          this.readyRss = procUsage(this.proc.pid!)?.rssBytes ?? 0
          resolve()
        } else if (m.id !== undefined) {
          const p = this.pending.get(m.id)
          this.pending.delete(m.id)
          p?.resolve({ outcome: m.outcome!, recycle: Boolean(m.recycle) })
        }
      })
      this.proc.on('exit', (code, signal) => {
        clearTimeout(timer)
        this.dead = true
        const why = `${this.exitReason} (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').slice(-1)[0]}` : ''}`
        reject(new Error(why))
        for (const p of this.pending.values()) p.reject(new Error(why))
        this.pending.clear()
      })
      this.proc.on('error', (e) => reject(e))
    })
    this.ready.catch(() => {})
  }

  send(code: string, test: TestInput, limits: SandboxLimits): Promise<{ outcome: TestOutcome; recycle: boolean }> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.proc.send({ id, code, test, limits })
    })
  }

  kill(reason: string) {
    this.retired = true
    if (this.dead) return
    this.exitReason = reason
    this.proc.kill('SIGKILL')
  }
}

export class ProcessPool implements CodeSandbox {
  readonly size: number
  readonly maxQueue: number
  private readonly opts: Required<Omit<PoolOptions, 'size' | 'maxQueue'>>
  private idle: Child[] = []
  private starting = 0
  private busy = 0
  private waiting: { resolve: (c: Child) => void; reject: (e: Error) => void }[] = []
  private closed = false
  /** Counters for tests and benchmarks. */
  readonly stats = { started: 0, killed: 0, recycled: 0, refused: 0, tests: 0 }

  constructor(
    readonly language: SandboxLanguage,
    opts: PoolOptions = {},
  ) {
    this.size = opts.size ?? Math.min(4, Math.max(1, availableParallelism() - 1))
    this.maxQueue = opts.maxQueue ?? 64
    this.opts = {
      graceMs: opts.graceMs ?? 1000,
      rssSlackMb: opts.rssSlackMb ?? 96,
      startTimeoutMs: opts.startTimeoutMs ?? 120_000,
    }
  }

  /** Start every process now (they otherwise start on first use), and wait until they are ready. */
  async warm(): Promise<void> {
    const children: Child[] = []
    while (this.idle.length + this.starting + this.busy + children.length < this.size) children.push(this.spawn())
    await Promise.all(children.map((c) => c.ready))
    for (const c of children) this.release(c)
  }

  private spawn(): Child {
    this.stats.started++
    return new Child(this.language, this.opts.startTimeoutMs)
  }

  /** Start a replacement in the background and hand it to a waiter (or the idle list) once ready. */
  private replace() {
    if (this.closed) return
    this.starting++
    const c = this.spawn()
    c.ready.then(
      () => {
        this.starting--
        this.release(c)
      },
      (e: Error) => {
        this.starting--
        // a process that cannot start: fail one waiter rather than spin
        this.waiting.shift()?.reject(e)
      },
    )
  }

  private release(c: Child) {
    if (this.closed || c.retired) {
      c.kill('pool closed')
      return
    }
    const w = this.waiting.shift()
    if (w) {
      this.busy++
      w.resolve(c)
    } else this.idle.push(c)
  }

  private async acquire(): Promise<Child> {
    if (this.closed) throw new Error('sandbox pool is closed')
    const c = this.idle.pop()
    if (c) {
      this.busy++
      return c
    }
    if (this.busy + this.starting < this.size) {
      this.busy++
      const fresh = this.spawn()
      try {
        await fresh.ready
      } catch (e) {
        this.busy--
        throw e
      }
      return fresh
    }
    if (this.waiting.length >= this.maxQueue) {
      this.stats.refused++
      throw new SandboxBusyError(`${this.language} sandbox over capacity: ${this.size} running, ${this.waiting.length} waiting`)
    }
    return new Promise<Child>((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  async open(limits: SandboxLimits): Promise<SandboxSession> {
    let child: Child | null = await this.acquire()
    const done = () => {
      if (!child) return
      this.busy--
      const c = child
      child = null
      if (c.retired) this.replace()
      else this.release(c)
    }
    return {
      run: async (code, test) => {
        if (!child) throw new Error('session closed')
        if (child.retired) {
          // the previous test killed it: continue this completion's tests on a fresh process
          this.busy--
          child = await this.acquire()
        }
        const { outcome, recycle } = await this.runOne(child, code, test, limits)
        if (recycle && !child.retired) {
          this.stats.recycled++
          child.kill('recycled')
        }
        return outcome
      },
      close: done,
    }
  }

  /** One test with the hard limits watched from here. */
  private async runOne(c: Child, code: string, test: TestInput, limits: SandboxLimits): Promise<{ outcome: TestOutcome; recycle: boolean }> {
    this.stats.tests++
    const pid = c.proc.pid!
    const start = procUsage(pid)
    const wall0 = Date.now()
    let killed: TestOutcome | null = null
    const cpuCap = limits.timeoutMs + this.opts.graceMs
    const wallCap = 4 * limits.timeoutMs + 10_000
    const rssCap = c.readyRss + (limits.memoryMb + this.opts.rssSlackMb) * 1024 * 1024
    const watch = setInterval(() => {
      const u = procUsage(pid)
      if (!u || !start || killed) return
      const cpu = u.cpuMs - start.cpuMs
      const wall = Date.now() - wall0
      if (cpu > cpuCap || wall > wallCap)
        killed = { status: 'timeout', stdout: '', message: `time limit exceeded (${limits.timeoutMs} ms; killed at ${Math.round(cpu)} ms CPU, ${wall} ms wall)`, ms: Math.round(cpu) }
      else if (u.rssBytes > rssCap)
        killed = { status: 'memory', stdout: '', message: `memory limit exceeded (${limits.memoryMb} MiB; killed at ${Math.round(u.rssBytes / 2 ** 20)} MiB resident)`, memoryBytes: u.rssBytes }
      if (killed) {
        this.stats.killed++
        c.kill('hard limit')
      }
    }, 50)
    try {
      return await c.send(code, test, limits)
    } catch (e) {
      if (killed) return { outcome: killed, recycle: true }
      return { outcome: { status: 'crash', stdout: '', message: (e as Error).message }, recycle: true }
    } finally {
      clearInterval(watch)
    }
  }

  /** Kill every process; waiting sessions are refused. */
  async close(): Promise<void> {
    this.closed = true
    for (const w of this.waiting.splice(0)) w.reject(new Error('sandbox pool is closed'))
    for (const c of this.idle.splice(0)) c.kill('pool closed')
  }
}
