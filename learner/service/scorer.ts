/**
 * Per-token log-probs of rows under any set of weights (a past version's, for old log-probs), through the same
 * forward-only graph, packing and session cache as Trainer.logprobs, which scores only the live or reference
 * weights. Convention: learner/sample (log_softmax(logits / temperature) before truncation).
 */
import type * as ort from 'onnxruntime-node'
import { encodeModel } from '../graph/index.js'
import { buildLogprobGraph } from '../model/index.js'
import { tensor } from '../runtime/index.js'
import { microBatches, pack, paramFeeds, scalarTensor, type Trainer } from '../trainer/index.js'

const feedsOf = new WeakMap<Map<string, Float32Array>, Record<string, ort.Tensor>>()

/** logprobs[r][t] for each row (length as inputIds[r]; 0 where not scored). */
export async function scoreRows(
  trainer: Trainer,
  weights: Map<string, Float32Array>,
  rows: { inputIds: number[][]; completionMask: number[][] },
  temperature: number,
): Promise<number[][]> {
  let feeds = feedsOf.get(weights)
  if (!feeds) feedsOf.set(weights, (feeds = paramFeeds(trainer.model, weights)))
  const out: number[][] = []
  for (const ix of microBatches(rows.inputIds.length, trainer.train.microBatchSize)) {
    const p = pack(rows, ix, trainer.train, trainer.model)
    const s = await trainer.runtime.session(`logprobs/B${p.B}xT${p.T}/from${p.from}`, () =>
      encodeModel(buildLogprobGraph(trainer.model, p.B, p.T, { from: p.from })),
    )
    const r = await s.run({ ...feeds, input_ids: tensor('int64', p.ids, [p.B, p.T]), temperature: scalarTensor(temperature) }, ['logprobs'])
    const l = r.logprobs.data as Float32Array //  [B,T]
    ix.forEach((row, i) => (out[row] = Array.from(l.subarray(i * p.T, i * p.T + rows.inputIds[row].length))))
  }
  return out
}
