/** cohort sandbox: serve `code-tests` over Cohort's http verifier protocol (for Workers, which cannot run Python). */
import { randomBytes } from 'node:crypto'
import { parse, stopSignal, UsageError, type Command } from '../command.js'
import { intOption } from './numeric-options.js'

export const DEFAULT_SANDBOX_PORT = 8790

export const sandbox: Command = {
  name: 'sandbox',
  summary: 'run untrusted code-tests (JavaScript, Python) behind the http verifier protocol',
  usage: `cohort sandbox [--port N] [--host H] [--language python|javascript] [--size N] [--queue N] [--no-warm]

Serves POST /code-tests: Cohort's http verifier protocol (HMAC-signed { prompt, completions, reference } →
{ rewards }) scoring code-tests in locked-down child processes (Pyodide for Python, QuickJS for JavaScript).
Point a task's verifier at it, e.g. on Workers:
  {"type":"http","url":"http://<host>:<port>/code-tests?language=python&scoring=fraction","secretRef":"sandbox"}
and set COHORT_VERIFIER_SECRET_SANDBOX on the edge to the same secret. The URL's query holds the code-tests spec
(language, scoring, timeoutMs, memoryMb).
  --port N        listen port (env PORT, default ${DEFAULT_SANDBOX_PORT})
  --host H        listen address (default 127.0.0.1)
  --language L    language when a request's URL names none (default python)
  --size N        processes per language running tests at once (default: CPUs − 1, 1..4)
  --queue N       completions that may wait for a process; more are answered 503 (default 64)
  --no-warm       start processes on first use instead of at start
Env: COHORT_SANDBOX_SECRET (the shared HMAC secret; a random one is made and printed when unset).`,
  async run(argv) {
    const { values } = parse(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      language: { type: 'string' },
      size: { type: 'string' },
      queue: { type: 'string' },
      'no-warm': { type: 'boolean' },
    })
    const language = values.language ?? 'python'
    if (language !== 'python' && language !== 'javascript') throw new UsageError(`--language must be python or javascript, got ${language}`)
    const port = intOption('port', values.port ?? process.env.PORT, DEFAULT_SANDBOX_PORT, 0, 65535)
    const size = values.size === undefined ? undefined : intOption('size', values.size, 1, 1, 64)
    const maxQueue = intOption('queue', values.queue, 64, 0, 100_000)
    let secret = process.env.COHORT_SANDBOX_SECRET ?? ''
    const generated = secret === ''
    if (generated) secret = randomBytes(24).toString('base64url')
    // loaded on use: the other commands need none of the sandbox
    const { installNodeSandboxes, closeNodeSandboxes, startSandboxServer } = await import('../../sandbox/index.js')
    const signal = stopSignal() // before the "listening" line: a signal sent on seeing it finds the handler
    const stopped = signal.stopped.then(() => {})
    const pools = installNodeSandboxes({ size, maxQueue })
    const server = await startSandboxServer({ secret, port, hostname: values.host, defaults: { language }, pools })
    console.log(`cohort sandbox listening on ${server.url}/code-tests  (default language ${language})`)
    console.log(generated ? `secret: ${secret}  (set COHORT_SANDBOX_SECRET to choose one)` : 'secret: from COHORT_SANDBOX_SECRET')
    if (!values['no-warm']) {
      const t0 = Date.now()
      void Promise.race([pools[language].warm().then(() => console.log(`${language} sandbox warm (${Date.now() - t0} ms)`)), stopped]).catch((e) =>
        console.error(`warming the ${language} sandbox failed: ${(e as Error).message}`),
      )
    }
    await stopped
    await server.close()
    await closeNodeSandboxes()
    return 0
  },
}
