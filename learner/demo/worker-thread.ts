/**
 * A demo rollout worker in its own thread (worker_threads). The demo is one process (PGlite is one session), and
 * onnxruntime runs each session in the thread that calls it: with the rollout workers in the main thread, the
 * learner, the edge, the database, the evaluation and all generation shared one core while the second one idled
 * (measured, `top -H`: the main thread had 61 of the process's 67 CPU seconds, every other thread ≤ 3). Here each
 * worker runs in its own thread and talks to the edge over HTTP exactly as a separate `cohort rollout` process
 * would; the learner, edge and database keep the main thread (one worker's generation then took ~10 % of a core).
 */
import { Worker } from 'node:worker_threads'
import { openOnnxGenerator, RolloutWorker, type EdgeClient, type RolloutStats } from '../rollout/index.js'

export interface WorkerThreadOptions {
  /** the edge, e.g. http://127.0.0.1:8787 */
  baseUrl: string
  /** a worker key */
  key: string
  task: string
  /** verified model versions (shared with the other workers and the evaluator: downloads are atomic) */
  cacheDir: string
  /** intra-op threads of the worker's ORT sessions */
  threads: number
  seed: number
}

/** What the demo needs of a rollout worker, in this thread (RolloutWorker) or another (WorkerThread). */
export interface DemoWorker {
  stop(): void
  run(): Promise<RolloutStats>
}

/** The demo's rollout worker, in whichever thread builds it: its log passes on only the lines about dropped groups. */
export function demoRolloutWorker(edge: EdgeClient, o: Omit<WorkerThreadOptions, 'baseUrl' | 'key'>, log: (line: string) => void): RolloutWorker {
  return new RolloutWorker({
    edge,
    task: o.task,
    cacheDir: o.cacheDir,
    openGenerator: openOnnxGenerator({ threads: o.threads }),
    seed: o.seed,
    log: (line) => (line.includes('dropped') ? log(line) : undefined),
  })
}

/** Messages from the thread (worker-thread-main.ts). */
export type WorkerThreadMessage = { log: string } | { stats: RolloutStats } | { error: string }

export class WorkerThread implements DemoWorker {
  private readonly worker: Worker
  private readonly result: Promise<RolloutStats>

  constructor(o: WorkerThreadOptions, log: (line: string) => void = () => {}) {
    // execArgv []: the thread registers tsx itself (the entry), whatever loader flags this process was started with
    this.worker = new Worker(new URL('./worker-thread-entry.mjs', import.meta.url), { workerData: o, execArgv: [] })
    this.result = new Promise<RolloutStats>((resolve, reject) => {
      let stats: RolloutStats | undefined
      this.worker.on('message', (m: WorkerThreadMessage) => {
        if ('log' in m) log(m.log)
        else if ('stats' in m) stats = m.stats
        else reject(new Error(`rollout worker thread: ${m.error}`))
      })
      this.worker.on('error', reject)
      this.worker.on('exit', (code) => (stats ? resolve(stats) : reject(new Error(`rollout worker thread exited ${code} without its totals`))))
    })
    this.result.catch(() => {}) // observed by run()
  }

  /** No new leases; the group in flight is finished and submitted, then the thread ends. */
  stop(): void {
    this.worker.postMessage('stop')
  }

  run(): Promise<RolloutStats> {
    return this.result
  }
}
