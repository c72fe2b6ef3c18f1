/**
 * A real edge on Node (HTTP on a free port) over a fresh real database, an arithmetic task, a worker key, and an
 * artifact store (a local folder unless given, e.g. an S3ArtifactStore on s3rver) where tiny random byte-level
 * models are published exactly as the learner publishes them; the edge streams them with `artifacts` (default
 * nodeArtifactReader()).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startNodeServer, type NodeServer } from '../../../edge/node.js'
import { resolveConfig, type ModelConfig } from '../../../learner/config.js'
import { arithmeticTask } from '../../../learner/demo/arith.js'
import { exportInferenceModel, type InferenceBucket } from '../../../learner/generate/index.js'
import { initParams, saveCheckpoint } from '../../../learner/io/index.js'
import { LocalArtifactStore, publish, type ArtifactStore } from '../../../learner/publish/index.js'
import type { ArtifactReader } from '../../../common/artifacts/index.js'
import { BYTE_BOS, BYTE_EOS, BYTE_PAD, BYTE_VOCAB_SIZE, byteTokenizer, type Tokenizer } from '../../../learner/tokenizer/index.js'
import { createKey, createTask, insertPrompts } from '../../../schema/queries/index.js'
import type { ModelVersion } from '../../../schema/schema.js'
import { freshDatabase, type TestDatabase } from '../../helpers/db.js'

export const TINY: ModelConfig = resolveConfig({
  model_type: 'llama',
  hidden_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  intermediate_size: 64,
  vocab_size: BYTE_VOCAB_SIZE,
  max_position_embeddings: 64,
  tie_word_embeddings: true,
  bos_token_id: BYTE_BOS,
  eos_token_id: BYTE_EOS,
  pad_token_id: BYTE_PAD,
})
export const BUCKET: InferenceBucket = { batch: 4, promptLength: 24, cacheLength: 32 }

export interface RolloutFixture {
  database: TestDatabase
  server: NodeServer
  store: ArtifactStore
  dir: string
  workerKey: string
  /** publish a tiny random model (weights from `seed`) as the next version; `o.tokenizer` (default the byte
   * tokenizer; null: none) and `o.promptBos` (config.json cohort_prompt_bos, as a learner run with --add-bos) */
  publishTiny(seed: number, step: number, o?: { tokenizer?: Tokenizer | null; promptBos?: boolean }): Promise<ModelVersion>
  close(): Promise<void>
}

export async function rolloutFixture(
  o: { task?: string; prompts?: number; groupSize?: number; leaseSeconds?: number; store?: ArtifactStore; artifacts?: ArtifactReader } = {},
): Promise<RolloutFixture> {
  const database = await freshDatabase()
  const server = await startNodeServer({
    database: { ...database, url: database.url ?? undefined },
    adminKey: `admin-${Math.random()}`,
    port: 0,
    artifacts: o.artifacts,
  })
  const dir = mkdtempSync(join(tmpdir(), 'cohort-rollout-'))
  const store = o.store ?? new LocalArtifactStore(join(dir, 'artifacts'))
  const { db } = database
  const task = await createTask(db, {
    name: o.task ?? 'arith',
    verifier: { type: 'exact' },
    groupSize: o.groupSize ?? 4,
    maxNewTokens: 6,
    temperature: 1,
    topP: 1,
    topK: 0,
    leaseSeconds: o.leaseSeconds ?? 120,
  })
  const { train } = arithmeticTask({ train: o.prompts ?? 40, heldOut: 0, seed: 3 })
  await insertPrompts(db, task!.id, train.map((t) => ({ text: t.prompt, answer: t.answer })))
  const { key: workerKey } = await createKey(db, 'worker', 'rollout test')
  return {
    database,
    server,
    store,
    dir,
    workerKey,
    publishTiny: (seed, step, p = {}) => {
      const tokenizer = p.tokenizer === null ? undefined : (p.tokenizer ?? byteTokenizer())
      const ckpt = { config: TINY, params: initParams(TINY, seed), tokenizer, promptBos: p.promptBos }
      return publish(db, store, {
        step,
        write: async (d) => {
          await saveCheckpoint(d, ckpt)
          await exportInferenceModel(d, ckpt, BUCKET)
        },
      })
    },
    async close() {
      await server.close()
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
