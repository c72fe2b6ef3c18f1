// @ts-check
/**
 * The JavaScript evaluated in every QuickJS context before the program: a global `assert` like node:assert's
 * (ok, equal, notEqual, strictEqual, notStrictEqual, deepEqual, deepStrictEqual, notDeepEqual,
 * notDeepStrictEqual, throws, fail; frozen and non-writable, built on primordials captured before the program
 * runs, so a program cannot weaken it), `console` / `print` writing to the captured stdout, and a minimal
 * Node-like surface for judge-style programs: `process.stdout.write`, `process.stdin` (data/end events),
 * `process.exit`, `process.argv`, and `require` of `fs` (readFileSync of fd 0 or /dev/stdin only) and `readline`
 * (line/close events, async iteration). Every other module is missing, as are timers, the network and files.
 * The host passes `__cohort_stdin` (a string), `__cohort_write(text)` and `__cohort_exit(code)`; the prelude takes
 * them off the global object. After the program, the host calls `__cohort_drain()` to deliver stdin events.
 */
export const JS_PRELUDE = String.raw`
(function (g) {
  'use strict'
  const write = g.__cohort_write, exit = g.__cohort_exit, stdin = g.__cohort_stdin
  delete g.__cohort_write; delete g.__cohort_exit; delete g.__cohort_stdin
  const O = Object, objKeys = O.keys, getProto = O.getPrototypeOf, defineProperty = O.defineProperty, freeze = O.freeze
  const isArray = Array.isArray, is = O.is, String_ = String, Error_ = Error, TypeError_ = TypeError
  const call = Function.prototype.call, bind = call.bind.bind(call)
  const hasOwn = bind(O.prototype.hasOwnProperty), tag = bind(O.prototype.toString)
  const join = bind(Array.prototype.join), map = bind(Array.prototype.map), push = bind(Array.prototype.push)
  const split = bind(String.prototype.split), slice = bind(String.prototype.slice), replace = bind(String.prototype.replace)
  const dateTime = bind(Date.prototype.getTime), regexSrc = (r) => String_(r)
  const ownSymbols = O.getOwnPropertySymbols

  function inspect(v, depth) {
    if (typeof v === 'string') return depth ? "'" + replace(v, /'/g, "\\'") + "'" : v
    if (typeof v === 'bigint') return String_(v) + 'n'
    if (typeof v === 'number') return is(v, -0) ? '-0' : String_(v)
    if (typeof v === 'function') return '[Function: ' + (v.name || '(anonymous)') + ']'
    if (v === null || typeof v !== 'object') return String_(v)
    if ((depth | 0) > 2) return isArray(v) ? '[Array]' : '[Object]'
    try {
      if (isArray(v)) return v.length ? '[ ' + join(map(v, (x) => inspect(x, (depth | 0) + 1)), ', ') + ' ]' : '[]'
      if (v instanceof Error_) return v.stack ? String_(v.name) + ': ' + String_(v.message) : String_(v)
      const ks = objKeys(v)
      if (!ks.length) return '{}'
      return '{ ' + join(map(ks, (k) => k + ': ' + inspect(v[k], (depth | 0) + 1)), ', ') + ' }'
    } catch (e) {
      return '[object]'
    }
  }
  const format = (args) => join(map(args, (a) => inspect(a, 0)), ' ')
  const log = (...args) => { write(format(args) + '\n') }
  const quiet = () => {}

  class AssertionError extends Error_ {
    constructor(message) { super(message); this.name = 'AssertionError'; this.code = 'ERR_ASSERTION' }
  }
  const show = (v) => { try { return inspect(v, 1) } catch (e) { return '?' } }
  const fail = (message, fallback) => {
    if (message instanceof Error_) throw message
    throw new AssertionError(message === undefined ? fallback : String_(message))
  }
  // node:assert's comparison: loose (==, prototypes ignored) or strict (Object.is, same prototype and tag).
  function deep(a, b, strict, memo) {
    if (strict ? is(a, b) : a == b || (a !== a && b !== b)) return true
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
    if (tag(a) !== tag(b)) return false
    if (strict && getProto(a) !== getProto(b)) return false
    if (a instanceof Date) return dateTime(a) === dateTime(b)
    if (a instanceof RegExp) return regexSrc(a) === regexSrc(b)
    for (let i = 0; i < memo.length; i++) if (memo[i][0] === a && memo[i][1] === b) return true
    push(memo, [a, b])
    if (a instanceof Map) {
      if (a.size !== b.size) return false
      for (const [k, v] of a) if (!b.has(k) || !deep(v, b.get(k), strict, memo)) return false
      return true
    }
    if (a instanceof Set) {
      if (a.size !== b.size) return false
      outer: for (const x of a) {
        if (b.has(x)) continue
        if (typeof x === 'object' && x !== null) for (const y of b) if (deep(x, y, strict, memo)) continue outer
        return false
      }
      return true
    }
    if (isArray(a) && a.length !== b.length) return false
    const ka = objKeys(a), kb = objKeys(b)
    if (ka.length !== kb.length) return false
    for (let i = 0; i < ka.length; i++) {
      const k = ka[i]
      if (!hasOwn(b, k) || !deep(a[k], b[k], strict, memo)) return false
    }
    if (strict) {
      const sa = ownSymbols(a), sb = ownSymbols(b)
      if (sa.length !== sb.length) return false
      for (let i = 0; i < sa.length; i++) if (!deep(a[sa[i]], b[sa[i]], strict, memo)) return false
    }
    return true
  }
  const assert = function assert(value, message) { if (!value) fail(message, 'The expression evaluated to a falsy value') }
  assert.ok = function ok(value, message) { if (!value) fail(message, 'The expression evaluated to a falsy value') }
  assert.equal = function equal(a, b, m) { if (!(a == b || (a !== a && b !== b))) fail(m, show(a) + ' == ' + show(b)) }
  assert.notEqual = function notEqual(a, b, m) { if (a == b || (a !== a && b !== b)) fail(m, show(a) + ' != ' + show(b)) }
  assert.strictEqual = function strictEqual(a, b, m) { if (!is(a, b)) fail(m, 'Expected values to be strictly equal: ' + show(a) + ' !== ' + show(b)) }
  assert.notStrictEqual = function notStrictEqual(a, b, m) { if (is(a, b)) fail(m, 'Expected "actual" to be strictly unequal to: ' + show(b)) }
  assert.deepEqual = function deepEqual(a, b, m) { if (!deep(a, b, false, [])) fail(m, 'Expected values to be loosely deep-equal: ' + show(a) + ' vs ' + show(b)) }
  assert.deepStrictEqual = function deepStrictEqual(a, b, m) { if (!deep(a, b, true, [])) fail(m, 'Expected values to be strictly deep-equal: ' + show(a) + ' vs ' + show(b)) }
  assert.notDeepEqual = function notDeepEqual(a, b, m) { if (deep(a, b, false, [])) fail(m, 'Expected "actual" not to be loosely deep-equal to: ' + show(b)) }
  assert.notDeepStrictEqual = function notDeepStrictEqual(a, b, m) { if (deep(a, b, true, [])) fail(m, 'Expected "actual" not to be strictly deep-equal to: ' + show(b)) }
  assert.throws = function throws(fn, expected, m) {
    if (typeof fn !== 'function') throw new TypeError_('The "fn" argument must be a function')
    try { fn() } catch (e) {
      if (typeof expected === 'function' && expected.prototype !== undefined && !(e instanceof expected)) throw e
      return
    }
    fail(typeof expected === 'string' ? expected : m, 'Missing expected exception.')
  }
  assert.fail = function (message) { fail(message, 'Failed') }
  assert.AssertionError = AssertionError
  assert.strict = assert
  freeze(assert)
  defineProperty(g, 'assert', { value: assert, writable: false, enumerable: false, configurable: false })

  // stdin consumers, fed by __cohort_drain() after the program's top level ran
  const dataHandlers = [], endHandlers = [], lineHandlers = [], closeHandlers = []
  let drained = false
  const lines = () => { const ls = split(stdin, '\n'); if (ls.length && ls[ls.length - 1] === '') ls.pop(); return map(ls, (l) => replace(l, /\r$/, '')) }
  const emitter = (on) => {
    const self = {
      on(ev, fn) { on(ev, fn); return self }, once(ev, fn) { on(ev, fn); return self }, addListener(ev, fn) { on(ev, fn); return self },
      setEncoding() { return self }, resume() { return self }, pause() { return self }, removeAllListeners() { return self },
    }
    return self
  }
  const stdinStream = emitter((ev, fn) => { if (ev === 'data') push(dataHandlers, fn); else if (ev === 'end' || ev === 'close') push(endHandlers, fn) })
  stdinStream.fd = 0
  const rl = {
    createInterface() {
      const it = emitter((ev, fn) => { if (ev === 'line') push(lineHandlers, fn); else if (ev === 'close') push(closeHandlers, fn) })
      it.close = () => {}
      it.question = (q, fn) => { write(String_(q)); push(lineHandlers, fn) }
      it[Symbol.asyncIterator] = async function* () { const ls = lines(); for (let i = 0; i < ls.length; i++) yield ls[i] }
      return it
    },
  }
  const fs = {
    readFileSync(file, options) {
      if (file === 0 || file === '/dev/stdin') return stdin
      const e = new Error_("EACCES: file system access is not available in the sandbox, open '" + String_(file) + "'")
      e.code = 'EACCES'
      throw e
    },
  }
  defineProperty(g, '__cohort_drain', {
    value() {
      if (drained) return
      drained = true
      if (dataHandlers.length) for (const fn of dataHandlers) fn(stdin)
      for (const fn of endHandlers) fn()
      if (lineHandlers.length) { const ls = lines(); for (let i = 0; i < ls.length; i++) for (const fn of lineHandlers) fn(ls[i]) }
      for (const fn of closeHandlers) fn()
    },
    enumerable: false,
  })
  g.console = { log, info: log, debug: log, warn: quiet, error: quiet, trace: quiet, dir: log, table: log }
  g.print = log
  g.process = {
    argv: ['node', 'main.js'], env: {}, platform: 'sandbox', exitCode: undefined,
    exit(code) { exit(code === undefined ? 0 : code | 0) },
    stdout: { write(s) { write(String_(s)); return true } },
    stderr: { write() { return true } },
    stdin: stdinStream,
  }
  g.require = function require(name) {
    const id = replace(String_(name), /^node:/, '')
    if (id === 'fs') return fs
    if (id === 'readline') return rl
    if (id === 'assert' || id === 'assert/strict') return assert
    const e = new Error_("Cannot find module '" + String_(name) + "' (not available in the sandbox)")
    e.code = 'MODULE_NOT_FOUND'
    throw e
  }
})(globalThis)
`
