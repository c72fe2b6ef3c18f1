/**
 * `code-tests`: run the completion's program against the prompt's tests (the reward of DeepSeek-R1-style code RL).
 * Spec: { type, language: javascript | python, scoring: all | fraction, timeoutMs (per test, CPU), memoryMb }.
 * Reference: reference.ts (stdin/stdout tests or setup + asserts). Code: the completion's last fenced block in the
 * language (or unlabelled), else the whole text. Each test runs in a fresh interpreter state (sandbox.ts);
 * reward 1/0 ("all", stops at the first failure) or passed/total ("fraction"); `reason` names the first failing
 * test and why. A program's failure (wrong output, exception, limit) is its reward; a sandbox that cannot run
 * (Python on Workers, pool over capacity, reference that does not parse) is a verifier error — never a silent 0.
 * Time: bounded by the per-test limits (timeoutMs × tests × completions at worst), not by the group budget.
 */
import { z } from 'zod'
import { lastFence } from '../json.js'
import { failed, LIMITS, zero } from '../limits.js'
import type { CompletionVerdict, VerifierDef } from '../types.js'
import { outputDiff } from './compare.js'
import { javascriptSandbox } from './javascript.js'
import { parseTestsReference, type TestsReference } from './reference.js'
import { sandboxFor, SandboxBusyError, type CodeSandbox, type SandboxLimits, type TestInput, type TestOutcome } from './sandbox.js'

export { outputDiff } from './compare.js'
export { provideQuickJSWasm, runJavaScriptTest, javascriptSandbox, STACK_BYTES } from './javascript.js'
export { parseTestsReference, MAX_TESTS, type TestsReference } from './reference.js'
export {
  provideSandbox,
  sandboxFor,
  SandboxBusyError,
  type CodeSandbox,
  type SandboxLimits,
  type SandboxSession,
  type TestInput,
  type TestOutcome,
} from './sandbox.js'

/** stdout kept per test (characters); more ends the test with status `output`. */
export const OUTPUT_CHARS = 1024 * 1024

export const codeTestsSpec = z
  .object({
    type: z.literal('code-tests'),
    language: z.enum(['javascript', 'python']),
    /** all: 1 when every test passes, else 0; fraction: passed / total. */
    scoring: z.enum(['all', 'fraction']).default('all'),
    /** CPU time per test (ms). */
    timeoutMs: z.number().int().min(1).max(10_000).default(2000),
    /** Memory per test (MiB). */
    memoryMb: z.number().int().min(1).max(256).default(64),
  })
  .strict()
export type CodeTestsSpec = z.infer<typeof codeTestsSpec>

const FENCES: Record<CodeTestsSpec['language'], string[]> = {
  javascript: ['javascript', 'js', 'mjs', 'node', 'jsx'],
  python: ['python', 'py', 'python3'],
}

/** The program of a completion: its last fenced block in the language (or unlabelled), else the whole text. */
export const extractCode = (completion: string, language: CodeTestsSpec['language']): string =>
  (lastFence(completion, FENCES[language]) ?? { body: completion }).body

/** The tests as the sandbox sees them (expected outputs stay here). */
export function testInputs(ref: TestsReference): TestInput[] {
  return ref.kind === 'io'
    ? ref.tests.map((t) => ({ kind: 'io', stdin: t.stdin }))
    : ref.asserts.map((a) => ({ kind: 'assert', setup: ref.setup, assert: a }))
}

/** null when the test passed, else why not. */
export function testFailure(ref: TestsReference, i: number, o: TestOutcome): string | null {
  if (o.status !== 'ok') return o.message ?? o.status
  if (ref.kind === 'io') return outputDiff(ref.tests[i].stdout, o.stdout)
  return null
}

const WORKERS_PYTHON =
  'python code-tests need a sandbox process, which Cloudflare Workers cannot host: on Workers use an `http` ' +
  'verifier pointing at `cohort sandbox` (see verifiers/README.md), or run the edge on Node'

function sandboxOf(language: CodeTestsSpec['language']): CodeSandbox | string {
  const provided = sandboxFor(language)
  if (provided) return provided
  if (language === 'javascript') return javascriptSandbox
  return WORKERS_PYTHON
}

export const codeTests: VerifierDef<CodeTestsSpec> = {
  async score(spec, input) {
    const ref = parseTestsReference(input.reference)
    if (typeof ref === 'string') return input.completions.map(() => failed(ref))
    const sandbox = sandboxOf(spec.language)
    if (typeof sandbox === 'string') return input.completions.map(() => failed(sandbox))
    const limits: SandboxLimits = { timeoutMs: spec.timeoutMs, memoryMb: spec.memoryMb, outputChars: OUTPUT_CHARS }
    const tests = testInputs(ref)
    // completions run concurrently; the sandbox bounds how many at once (JavaScript: one, it is synchronous)
    return Promise.all(
      input.completions.map(async (completion): Promise<CompletionVerdict> => {
        if (completion.length > LIMITS.completionChars) return zero(`completion too long (> ${LIMITS.completionChars} characters)`)
        const code = extractCode(completion, spec.language)
        if (code.trim() === '') return zero('no code')
        if (code.length > LIMITS.codeChars) return zero(`code longer than ${LIMITS.codeChars} characters`)
        let session
        try {
          session = await sandbox.open(limits)
        } catch (e) {
          const busy = e instanceof SandboxBusyError
          return failed(`${busy ? 'sandbox busy' : 'sandbox failed'}: ${(e as Error).message}`)
        }
        try {
          let passed = 0
          let first: string | null = null
          for (let i = 0; i < tests.length; i++) {
            const outcome = await session.run(code, tests[i])
            const why = testFailure(ref, i, outcome)
            if (why === null) passed++
            else {
              first ??= `test ${i + 1}/${tests.length}: ${why}`
              // a program that does not compile fails every test; "all" needs no more runs after a failure
              if (spec.scoring === 'all' || outcome.status === 'syntax') break
            }
          }
          const reward = spec.scoring === 'all' ? (passed === tests.length ? 1 : 0) : passed / tests.length
          return { reward, status: 'ok', reason: first ?? `passed ${passed}/${tests.length} tests` }
        } catch (e) {
          return failed(`sandbox failed: ${(e as Error).message}`)
        } finally {
          session.close()
        }
      }),
    )
  },
}
