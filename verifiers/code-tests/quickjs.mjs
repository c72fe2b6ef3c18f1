// @ts-check
/**
 * JavaScript tests in QuickJS (quickjs-emscripten, the release-sync WebAssembly build). Plain JavaScript so that
 * it runs unchanged in workerd (bundled into the Worker), in Node, and in the sandbox's child processes
 * (sandbox/child.mjs, which load no TypeScript). Every test gets a fresh QuickJS runtime + context with:
 *   memory  every growth of the instance's WebAssembly.Memory past start + memoryMb is refused (malloc → NULL →
 *           "out of memory" in the guest). QuickJS's own JS_SetMemoryLimit undercounts in this build
 *           (malloc_usable_size is unavailable under Emscripten: each allocation counts 8 bytes).
 *   stack   JS_SetMaxStackSize(STACK_BYTES); recursions that exhaust the host's native stack first make V8
 *           throw out of the wasm, and that instance (left mid-operation) is discarded
 *   time    the interrupt handler ends the program once its CPU time passes timeoutMs (process.cpuUsage() in
 *           Node; in workerd, where clocks stand still during synchronous code, a poll budget of POLLS_PER_MS).
 *           QuickJS polls every ~10k bytecodes, not inside builtins: one long builtin call (a default sort of a
 *           big array) overruns until it returns — Node callers run this in a child process killed at a hard
 *           limit (sandbox/), workerd has the Worker's CPU limit.
 *   output  stdout past outputChars ends the program (status `output`)
 * The guest sees only the prelude (js-prelude.mjs): no timers, network, files or process. An instance whose
 * memory grew past RECYCLE_BYTES is replaced by a fresh one (milliseconds), so each test starts small.
 */
import { JS_PRELUDE } from './js-prelude.mjs'

/** Guest stack QuickJS checks (bytes): ~2,000 frames of a simple recursive function. */
export const STACK_BYTES = 384 * 1024
/** workerd only: interrupt polls allowed per ms of the time limit (1–5 polls/ms measured on loops here). */
export const POLLS_PER_MS = 5
/** An instance whose WebAssembly memory grew past this is replaced before the next test. */
export const RECYCLE_BYTES = 48 * 1024 * 1024

/** @type {WebAssembly.Module | null} */
let provided = null
/** @type {Promise<any> | null} */
let engine = null

/** Hand QuickJS's compiled WebAssembly module over (Workers entry points call this once). @param {WebAssembly.Module} module */
export function provideQuickJSWasm(module) {
  provided = module
  engine = null
}

async function load() {
  const [{ newQuickJSWASMModuleFromVariant, newVariant }, { default: variant }] = await Promise.all([
    import('quickjs-emscripten-core'),
    import('@jitl/quickjs-wasmfile-release-sync'),
  ])
  const mod = await newQuickJSWASMModuleFromVariant(provided ? newVariant(variant, { wasmModule: provided }) : variant)
  // the memory limit, enforced where the heap grows: Emscripten calls wasmMemory.grow from JS
  const memory = mod.module.quickjsEmscriptenInit?.(() => {})?.getWasmMemory?.()
  if (!memory) throw new Error('quickjs: cannot reach the WebAssembly memory to enforce the memory limit')
  const grow = WebAssembly.Memory.prototype.grow
  const state = { cap: Infinity }
  Object.defineProperty(memory, 'grow', {
    /** @param {number} delta */
    value(delta) {
      if (memory.buffer.byteLength + delta * 65536 > state.cap) throw new RangeError('memory limit')
      return grow.call(memory, delta)
    },
  })
  return { mod, state }
}

/** @param {any} mod */
const wasmBytes = (mod) => mod.module.HEAPU8?.byteLength ?? 0

const proc = /** @type {any} */ (globalThis).process
/** CPU ms of this process where the runtime can tell (Node), else null (workerd). @type {(() => number) | null} */
const cpuClock = (() => {
  try {
    // workerd's nodejs_compat `process` is no clock: there the poll budget applies
    if (/** @type {any} */ (globalThis).navigator?.userAgent === 'Cloudflare-Workers') return null
    if (typeof proc?.cpuUsage !== 'function' || typeof proc.cpuUsage()?.user !== 'number') return null
    return () => {
      const c = proc.cpuUsage()
      return (c.user + c.system) / 1000
    }
  } catch {
    return null
  }
})()

/** @param {any} ctx @param {any} h */
function errorText(ctx, h) {
  const v = ctx.dump(h)
  if (v && typeof v === 'object' && 'message' in v) return { name: String(v.name ?? 'Error'), message: String(v.message ?? '') }
  return { name: 'Error', message: v === null ? 'null (out of memory?)' : `uncaught ${typeof v === 'string' ? v : JSON.stringify(v)}` }
}

/**
 * Run one test of `code` in a fresh QuickJS runtime.
 * @param {string} code
 * @param {import('./sandbox.js').TestInput} test
 * @param {import('./sandbox.js').SandboxLimits} limits
 * @returns {Promise<import('./sandbox.js').TestOutcome>}
 */
export async function runJavaScriptTest(code, test, limits) {
  engine ??= load()
  let e
  try {
    e = await engine
  } catch (err) {
    engine = null
    throw err
  }
  try {
    return runIn(e.mod, e.state, code, test, limits)
  } catch (err) {
    engine = null // threw out of the wasm: its heap is inconsistent, never reuse it
    if (err instanceof RangeError && /call stack/i.test(err.message))
      return { status: 'error', stdout: '', message: `RangeError: stack overflow (stack limit ${STACK_BYTES / 1024} KiB)` }
    if (/out of memory|memory access|unreachable|memory limit/i.test(String(/** @type {Error} */ (err).message)))
      return { status: 'memory', stdout: '', message: `memory limit exceeded (${limits.memoryMb} MiB)` }
    throw err
  } finally {
    if (engine && wasmBytes(e.mod) > RECYCLE_BYTES) engine = null
  }
}

/**
 * @param {any} mod @param {{ cap: number }} state @param {string} code
 * @param {import('./sandbox.js').TestInput} test @param {import('./sandbox.js').SandboxLimits} limits
 * @returns {import('./sandbox.js').TestOutcome}
 */
function runIn(mod, state, code, test, limits) {
  /** @type {{ why: 'timeout' | 'output' | 'exit' | null, exitCode: number }} */
  const stop = { why: null, exitCode: 0 }
  let stdout = ''
  let polls = 0
  const pollBudget = limits.timeoutMs * POLLS_PER_MS
  const t0 = cpuClock?.() ?? 0
  const wall0 = Date.now()
  const elapsed = () => (cpuClock ? cpuClock() - t0 : Date.now() - wall0)
  state.cap = wasmBytes(mod) + limits.memoryMb * 1024 * 1024
  const rt = mod.newRuntime()
  rt.setMemoryLimit(limits.memoryMb * 1024 * 1024)
  rt.setMaxStackSize(STACK_BYTES)
  rt.setInterruptHandler(() => {
    if (stop.why) return true
    polls++
    if (cpuClock ? elapsed() > limits.timeoutMs : polls > pollBudget) stop.why = 'timeout'
    return stop.why !== null
  })
  const ctx = rt.newContext()
  /** @param {import('./sandbox.js').TestOutcome['status']} status @param {string} [message] */
  const done = (status, message) => ({
    status,
    stdout,
    ...(message !== undefined ? { message } : {}),
    ms: Math.round(elapsed()),
    memoryBytes: wasmBytes(mod),
  })
  let ok = false
  try {
    const write = ctx.newFunction('__cohort_write', (/** @type {any} */ s) => {
      if (stop.why) return
      const text = ctx.getString(s)
      if (stdout.length + text.length > limits.outputChars) {
        stdout += text.slice(0, limits.outputChars - stdout.length)
        stop.why = 'output'
      } else stdout += text
    })
    const exit = ctx.newFunction('__cohort_exit', (/** @type {any} */ c) => {
      if (stop.why) return
      stop.exitCode = ctx.getNumber(c)
      stop.why = 'exit'
    })
    ctx.setProp(ctx.global, '__cohort_write', write)
    ctx.setProp(ctx.global, '__cohort_exit', exit)
    write.dispose()
    exit.dispose()
    const stdin = ctx.newString(test.kind === 'io' ? test.stdin : '')
    ctx.setProp(ctx.global, '__cohort_stdin', stdin)
    stdin.dispose()
    const pre = ctx.evalCode(JS_PRELUDE, 'prelude.js')
    if (pre.error) {
      const e = errorText(ctx, pre.error)
      pre.error.dispose()
      throw new Error(`sandbox prelude failed: ${e.name}: ${e.message}`)
    }
    pre.value.dispose()

    /** @type {[string, string][]} */
    const stages =
      test.kind === 'io'
        ? [['solution.js', code], ['drain.js', '__cohort_drain()']]
        : [['solution.js', code], ['setup.js', test.setup], ['test.js', test.assert]]
    for (const [file, source] of stages) {
      if (source.trim() === '') continue
      const r = ctx.evalCode(source, file)
      /** @type {{ name: string, message: string } | null} */
      let failure = null
      if (r.error) {
        failure = errorText(ctx, r.error)
        r.error.dispose()
      } else {
        r.value.dispose()
        // promise jobs the stage queued (async code, for-await over readline), still under the limits
        for (;;) {
          const jobs = rt.executePendingJobs(10_000)
          if (jobs.error) {
            failure = errorText(ctx, jobs.error)
            jobs.error.dispose()
            break
          }
          if (jobs.value === 0 || stop.why) break
        }
      }
      if (stop.why === 'timeout') return (ok = true), done('timeout', `time limit exceeded (${limits.timeoutMs} ms)`)
      if (stop.why === 'output') return (ok = true), done('output', `output limit exceeded (${limits.outputChars} characters)`)
      if (stop.why === 'exit') {
        ok = true
        if (test.kind === 'io') return stop.exitCode === 0 ? done('ok') : done('error', `exited with code ${stop.exitCode}`)
        return file === 'test.js' ? done('ok') : done('exit', `program exited (code ${stop.exitCode}) before the test ran`)
      }
      if (failure) {
        ok = true
        if (/out of memory/i.test(failure.message))
          return done('memory', `memory limit exceeded (${limits.memoryMb} MiB; heap ${Math.round(wasmBytes(mod) / 2 ** 20)} MiB)`)
        if (/stack overflow/i.test(failure.message))
          return done('error', `${failure.name}: stack overflow (stack limit ${STACK_BYTES / 1024} KiB)`)
        if (failure.name === 'SyntaxError' && file === 'solution.js') return done('syntax', `SyntaxError: ${failure.message}`)
        return done('error', `${failure.name}: ${failure.message}`)
      }
    }
    ok = true
    return done('ok')
  } finally {
    if (ok) {
      try {
        ctx.dispose()
        rt.dispose()
      } catch {
        engine = null // a runtime that cannot be freed cleanly: start over with a fresh instance
      }
    }
  }
}
