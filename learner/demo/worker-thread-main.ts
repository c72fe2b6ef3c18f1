/** Inside a rollout worker thread (worker-thread.ts): one RolloutWorker until the parent says 'stop'. */
import { parentPort, workerData } from 'node:worker_threads'
import { EdgeClient, openOnnxGenerator, RolloutWorker } from '../rollout/index.js'
import type { WorkerThreadMessage, WorkerThreadOptions } from './worker-thread.js'

const o = workerData as WorkerThreadOptions
const port = parentPort!
const send = (m: WorkerThreadMessage) => port.postMessage(m)
const worker = new RolloutWorker({
  edge: new EdgeClient({ baseUrl: o.baseUrl, key: o.key }),
  task: o.task,
  cacheDir: o.cacheDir,
  openGenerator: openOnnxGenerator({ threads: o.threads }),
  seed: o.seed,
  log: (line) => (line.includes('dropped') ? send({ log: line }) : undefined),
})
const onMessage = (m: unknown) => (m === 'stop' ? worker.stop() : undefined)
port.on('message', onMessage)
try {
  send({ stats: await worker.run() })
} catch (err) {
  send({ error: (err as Error).stack ?? String(err) })
}
port.off('message', onMessage) // nothing holds the thread open any more: it exits
