/**
 * VersionEvaluator: follows the published versions (polling the newest) and evaluates each one it reaches on the
 * held-out split — downloaded and verified like a worker would (sharing the workers' cache), greedy answers through OnnxGenerator — then
 * records `eval/accuracy`, `eval/mean_reward`, `eval/n` in the version's metrics (the dashboard's held-out curve).
 * When versions come faster than evaluations, intermediate ones are skipped (the newest is what matters).
 */
import type { Db } from '../../schema/index.js'
import { latestModel, mergeVersionMetrics, versionRows } from '../../schema/queries/index.js'
import type { ModelVersion } from '../../schema/schema.js'
import type { VerifierSpec } from '../../verifiers/index.js'
import { loadInferenceModel, OnnxGenerator } from '../generate/index.js'
import { AbortedError, fetchModelFiles, sleep, type ModelFileReader, type ModelInfo } from '../rollout/index.js'
import type { TaskItem } from './arith.js'
import { evaluateHeldOut, type EvalResult } from './eval.js'
import type { ChatPrompt } from '../tokenizer/index.js'

export const modelInfoOf = (m: ModelVersion): ModelInfo => ({
  version: m.version,
  step: m.step,
  artifactUri: m.artifactUri,
  sha256: m.sha256,
  files: m.files as ModelInfo['files'],
  metrics: m.metrics as Record<string, unknown>,
  publishedAt: m.publishedAt.toISOString(),
})

export class VersionEvaluator {
  readonly results = new Map<number, EvalResult>()
  private last = -1

  constructor(
    private readonly db: Db,
    private readonly items: readonly TaskItem[],
    private readonly verifier: VerifierSpec,
    private readonly maxNewTokens: number,
    private readonly cacheDir: string,
    /** how the files are downloaded (modelFileReader(edge): through the edge, like the workers) */
    private readonly read: ModelFileReader,
    private readonly threads: number,
    /** reward: mean rollout reward of the previous version's groups (what this version was trained on) */
    private readonly onResult: (v: ModelVersion, r: EvalResult, previousReward: number | null) => void,
    private readonly log: (line: string) => void = () => {},
    /** the task's chat option */
    private readonly chat: ChatPrompt | null = null,
  ) {}

  /** Evaluate the newest version unless it already was (false: nothing new); a version that fails to verify or load is logged, skipped. */
  async evaluateLatest(): Promise<boolean> {
    const m = await latestModel(this.db)
    if (!m || m.version <= this.last) return false
    this.last = m.version
    await this.evaluate(m).catch((err) => this.log(`evaluation of v${m.version} failed: ${(err as Error).message}`))
    return true
  }

  private async evaluate(m: ModelVersion): Promise<void> {
    const dir = await fetchModelFiles(modelInfoOf(m), this.cacheDir, this.read)
    const gen = new OnnxGenerator(await loadInferenceModel(dir), { threads: this.threads })
    let r: EvalResult
    try {
      r = await evaluateHeldOut(gen, this.items, this.verifier, this.maxNewTokens, this.chat)
    } finally {
      await gen.close()
    }
    this.results.set(m.version, r)
    await mergeVersionMetrics(this.db, m.version, { 'eval/accuracy': r.accuracy, 'eval/mean_reward': r.meanReward, 'eval/n': r.n })
    const prev = (await versionRows(this.db)).filter((v) => v.version < m.version && v.groups > 0).pop()
    this.onResult(m, r, prev?.rewardMean ?? null)
  }

  /** Poll every `pollMs` until `signal` aborts; after an evaluation wait `everyMs` (at most one evaluation per everyMs). */
  async watch(signal: AbortSignal, everyMs = 1000, pollMs = Math.min(everyMs, 1000)): Promise<void> {
    while (!signal.aborted) {
      const evaluated = await this.evaluateLatest()
      await sleep(evaluated ? everyMs : pollMs, signal).catch((e) => {
        if (!(e instanceof AbortedError)) throw e
      })
    }
  }

  /** Held-out accuracy of the newest evaluated version. */
  latestAccuracy(): number | null {
    return this.results.get(this.last)?.accuracy ?? null
  }
}
