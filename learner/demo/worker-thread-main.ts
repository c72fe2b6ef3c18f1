/** Inside a rollout worker thread (worker-thread.ts): one RolloutWorker until the parent says 'stop'. */
import { parentPort, workerData } from 'node:worker_threads'
import { EdgeClient } from '../rollout/index.js'
import { demoRolloutWorker, type WorkerThreadMessage, type WorkerThreadOptions } from './worker-thread.js'

const o = workerData as WorkerThreadOptions
const port = parentPort!
const send = (m: WorkerThreadMessage) => port.postMessage(m)
const worker = demoRolloutWorker(new EdgeClient({ baseUrl: o.baseUrl, key: o.key }), o, (line) => send({ log: line }))
const onMessage = (m: unknown) => (m === 'stop' ? worker.stop() : undefined)
port.on('message', onMessage)
try {
  send({ stats: await worker.run() })
} catch (err) {
  send({ error: (err as Error).stack ?? String(err) })
}
port.off('message', onMessage) // nothing holds the thread open any more: it exits
