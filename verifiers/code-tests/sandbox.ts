/**
 * What a code sandbox is to the `code-tests` verifier: a place where one completion's program runs against its
 * tests, one test at a time, each in a fresh interpreter state, within hard limits. The verifier compares outputs
 * itself (expected outputs never enter a sandbox). Runtimes:
 *   javascript  QuickJS compiled to WebAssembly, in-process (javascript.ts): workerd and Node
 *   python      Pyodide in locked-down child processes (sandbox/ at the repository root): Node only; a Worker
 *               reaches it through an `http` verifier pointing at `cohort sandbox`
 * Node entry points register Python with `provideSandbox('python', …)`.
 */

/** One test as the program sees it (no expected output). */
export type TestInput =
  | { kind: 'io'; stdin: string }
  | { kind: 'assert'; setup: string; assert: string }

export interface SandboxLimits {
  /** CPU time per test (ms). */
  timeoutMs: number
  /** Memory the program may allocate per test (MiB). */
  memoryMb: number
  /** Most characters of stdout kept; writing more ends the test with status `output`. */
  outputChars: number
}

/**
 * How one test ended. `ok`: ran to the end (io: compare `stdout`; assert: the assert passed).
 * `error`: an uncaught exception (an AssertionError too); `syntax`: the program does not compile; `timeout`,
 * `memory`, `output`: a limit was hit; `exit`: the program exited before the assert ran (assert style only);
 * `crash`: the sandbox itself died (hard kill) — the program is still the cause.
 */
export interface TestOutcome {
  status: 'ok' | 'error' | 'syntax' | 'timeout' | 'memory' | 'output' | 'exit' | 'crash'
  stdout: string
  /** Exception or limit message. */
  message?: string
  /** Time the test took as the sandbox measured it (CPU ms where it can, else wall ms). */
  ms?: number
  /** Sandbox memory when the test ended (bytes of the runtime's heap), where known. */
  memoryBytes?: number
}

/** A sandbox held for one completion's tests (released with close()). */
export interface SandboxSession {
  run(code: string, test: TestInput): Promise<TestOutcome>
  close(): void
}

export interface CodeSandbox {
  /** Wait for (or refuse, throwing SandboxBusyError) a slot, then hold it for one completion's tests. */
  open(limits: SandboxLimits): Promise<SandboxSession>
}

/** Over capacity: the pool's queue is full (callers answer a retryable error, never a 0). */
export class SandboxBusyError extends Error {}

const sandboxes = new Map<string, CodeSandbox>()

/** Register the sandbox of a language (Node: Python's process pool). Replaces an earlier one. */
export function provideSandbox(language: string, sandbox: CodeSandbox | null): void {
  if (sandbox) sandboxes.set(language, sandbox)
  else sandboxes.delete(language)
}

export const sandboxFor = (language: string): CodeSandbox | undefined => sandboxes.get(language)
