// @ts-check
/**
 * One sandbox process (forked by pool.ts): runs tests of one language, one at a time, for the parent over IPC.
 * Plain JavaScript (no TypeScript loader), started by the parent with Node's permission model:
 *   --experimental-permission --allow-fs-read=<this folder, quickjs/pyodide packages>
 * so even code that escaped the interpreter can write no file, read nothing else, start no process or worker,
 * load no addon, and cannot use process.binding. Before any program runs this file also removes what the
 * permission model leaves open: the network (net/tls/dgram/dns and fetch/WebSocket), signals to other processes
 * (process.kill), and the environment (the parent passes an empty one).
 *   javascript  quickjs.mjs (fresh QuickJS runtime per test; CPU time via the interrupt handler)
 *   python      Pyodide (stdlib only, loaded from the npm package) + harness.py (fresh namespace per test, audit
 *               hook, import guard, module-state fingerprint). Time: the interrupt buffer raises
 *               KeyboardInterrupt once the test's CPU time passes timeoutMs. Memory: WebAssembly.Memory growth
 *               past start + memoryMb is refused (MemoryError).
 * The parent enforces the hard limits (CPU and RSS of this process, read from /proc) by killing it.
 * Messages: parent → { id, code, test, limits }; child → { ready, heapBytes } once, then { id, outcome, recycle }.
 */
import { constants as fsConstants, readFileSync } from 'node:fs'
import dgram from 'node:dgram'
import dns from 'node:dns'
import net from 'node:net'

const language = process.argv[2]
const send = process.send?.bind(process)
if (!send) throw new Error('child.mjs runs under pool.ts (IPC)')

// --- lockdown -------------------------------------------------------------------------------------------------
const deny = (what) => () => {
  throw Object.assign(new Error(`${what} is not available in the sandbox`), { code: 'EACCES' })
}
for (const [obj, keys] of /** @type {[any, string[]][]} */ ([
  [net.Socket.prototype, ['connect']],
  [net.Server.prototype, ['listen']],
  [net, ['connect', 'createConnection', 'createServer']],
  [dgram.Socket.prototype, ['bind', 'send', 'connect']],
  [dgram, ['createSocket']],
  [dns, ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveTxt', 'reverse']],
  [dns.promises, ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveTxt', 'reverse']],
  [dns.Resolver.prototype, ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveTxt', 'reverse']],
  [process, ['kill', '_kill', 'dlopen', 'chdir', 'setuid', 'setgid', 'seteuid', 'setegid', 'setgroups', 'initgroups']],
]))
  for (const k of keys) if (k in obj) Object.defineProperty(obj, k, { value: deny(k), writable: false, configurable: false })
for (const k of ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'Request', 'navigator'])
  if (k in globalThis) Object.defineProperty(globalThis, k, { value: undefined, writable: false, configurable: false })
// the permission model refuses process.binding; Emscripten's NODEFS init only needs the fs constants from it
Object.defineProperty(process, 'binding', {
  value: (/** @type {string} */ name) => {
    if (name === 'constants') return { fs: fsConstants }
    throw Object.assign(new Error('process.binding is not available in the sandbox'), { code: 'EACCES' })
  },
})

const cpuMs = () => {
  const c = process.cpuUsage()
  return (c.user + c.system) / 1000
}

// --- runtimes -------------------------------------------------------------------------------------------------
/** @type {(job: any) => Promise<{ outcome: any, recycle: boolean }>} */
let run
let heapBytes = () => 0

if (language === 'javascript') {
  const { runJavaScriptTest } = await import('../verifiers/code-tests/quickjs.mjs')
  run = async (job) => ({ outcome: await runJavaScriptTest(job.code, job.test, job.limits), recycle: false })
  await runJavaScriptTest('', { kind: 'io', stdin: '' }, { timeoutMs: 1000, memoryMb: 8, outputChars: 16 })
} else if (language === 'python') {
  const pyodideDir = process.argv[3]
  // memory: every growth of a WebAssembly memory past `cap` is refused (Emscripten grows from JS)
  let cap = Infinity
  const grow = WebAssembly.Memory.prototype.grow
  Object.defineProperty(WebAssembly.Memory.prototype, 'grow', {
    value(/** @type {number} */ delta) {
      if (this.buffer.byteLength + delta * 65536 > cap) throw new RangeError('memory limit')
      return grow.call(this, delta)
    },
  })
  const { loadPyodide } = await import(new URL('pyodide.mjs', `file://${pyodideDir}/`).href)
  const py = await loadPyodide({ indexURL: `${pyodideDir}/`, stdout: () => {}, stderr: () => {}, env: { HOME: '/home/pyodide' } })
  const heap = () => py._module.HEAPU8.byteLength
  heapBytes = heap
  // time: Pyodide polls this "interrupt buffer" between bytecodes; past the deadline it reads SIGINT (2) once
  let deadline = Infinity
  let fired = false
  py.setInterruptBuffer({
    get 0() {
      if (fired || cpuMs() <= deadline) return 0
      fired = true
      return 2
    },
    set 0(_v) {},
  })
  const ns = py.globals.get('dict')()
  py.runPython(readFileSync(new URL('./harness.py', import.meta.url), 'utf8'), { globals: ns })
  const cohortRun = ns.get('cohort_run')
  py.unregisterJsModule('js')
  py.unregisterJsModule('pyodide_js')
  const base = heap()
  run = async (job) => {
    cap = heap() + job.limits.memoryMb * 1024 * 1024
    fired = false
    const t0 = cpuMs()
    deadline = t0 + job.limits.timeoutMs
    let r
    try {
      r = JSON.parse(cohortRun(JSON.stringify({ code: job.code, test: job.test, outputChars: job.limits.outputChars })))
    } catch (e) {
      // the interpreter itself failed (a fatal error, an interrupt inside the harness): this process is done
      const message = String(/** @type {Error} */ (e)?.message ?? e).split('\n').filter(Boolean).slice(-1)[0] ?? 'crash'
      const status = fired ? 'timeout' : /memory/i.test(message) ? 'memory' : /stack/i.test(message) ? 'error' : 'crash'
      return { outcome: { status, stdout: '', message: status === 'error' ? `RecursionError: stack overflow (${message})` : message, ms: Math.round(cpuMs() - t0), memoryBytes: heap() }, recycle: true }
    } finally {
      deadline = Infinity
      cap = Infinity
    }
    const ms = Math.round(cpuMs() - t0)
    const limit = { timeout: `time limit exceeded (${job.limits.timeoutMs} ms)`, memory: `memory limit exceeded (${job.limits.memoryMb} MiB; heap ${Math.round(heap() / 2 ** 20)} MiB)`, output: `output limit exceeded (${job.limits.outputChars} characters)` }
    const message = r.message ?? limit[/** @type {keyof typeof limit} */ (r.status)]
    const outcome = { status: r.status, stdout: r.stdout, ...(message ? { message } : {}), ms, memoryBytes: heap() }
    // a test that changed shared module state, or left the heap large, retires this interpreter
    return { outcome, recycle: r.dirty || heap() > base + 128 * 1024 * 1024 }
  }
} else throw new Error(`child.mjs: unknown language ${language}`)

process.on('message', async (/** @type {any} */ job) => {
  try {
    const { outcome, recycle } = await run(job)
    send({ id: job.id, outcome, recycle })
  } catch (e) {
    send({ id: job.id, outcome: { status: 'crash', stdout: '', message: String(/** @type {Error} */ (e)?.message ?? e) }, recycle: true })
  }
})
send({ ready: true, heapBytes: heapBytes() })
