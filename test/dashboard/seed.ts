/**
 * Seeds a database with what a short training run leaves behind, through the real edge API where one exists:
 * an arithmetic task, groups submitted by a worker under versions 0..2 (later versions answer better), train
 * steps with TRL metrics and published model versions.
 */
import { insertModelVersion, trainSteps } from '../../schema/index.js'
import type { TestEdge } from '../helpers/edge.js'
import { seedTask } from '../helpers/edge.js'

export const SEED = { versions: 3, groupsPerVersion: 2, groupSize: 4, steps: 12 }

export async function seedRun(t: TestEdge): Promise<void> {
  await seedTask(t.db, 'arith', { groupSize: SEED.groupSize, prompts: 20 })
  for (let v = 0; v < SEED.versions; v++) {
    for (let g = 0; g < SEED.groupsPerVersion; g++) {
      const lease = (await (await t.call('POST', '/v1/leases', { key: t.keys.worker, body: { task: 'arith' } })).json()) as {
        leaseId: number
        prompt: { text: string }
      }
      const right = 'a' + lease.prompt.text.slice(1)
      // version v answers v+1 of 4 right
      const completions = Array.from({ length: SEED.groupSize }, (_, k) => ({ text: k <= v ? right : `wrong ${k}` }))
      const res = await t.call('POST', `/v1/leases/${lease.leaseId}/group`, {
        key: t.keys.worker,
        body: { modelVersion: v, completions },
      })
      if (res.status !== 201) throw new Error(`seed submit: ${res.status} ${await res.text()}`)
    }
    if (v > 0)
      await insertModelVersion(t.db, {
        version: v,
        step: v * 4,
        artifactUri: `file:///tmp/cohort-seed/${v}`,
        sha256: 'ab'.repeat(32),
        files: {},
        metrics: { 'eval/accuracy': 0.2 * v },
      })
  }
  await t.db.insert(trainSteps).values(
    Array.from({ length: SEED.steps }, (_, i) => ({
      step: i + 1,
      policyVersion: Math.floor(i / 4),
      groupCount: 2,
      metrics: { reward: 0.25 + 0.05 * i, kl: 0.001 * i, tokens_per_second: 900 + i, 'sampling/mismatch_kl': 1e-4 * i, 'sampling/masked_fraction': 0 },
    })),
  )
}
