/**
 * The answer-equivalence corpus (test/fixtures/verifiers/equivalence.jsonl): cases written from the documented
 * behaviour of hendrycks' MATH `is_equiv` and Math-Verify, labelled with mathematical equivalence. Agreement must
 * stay ≥ 99%, every family with known support must agree fully, and no unequal pair may ever be called equal
 * (a false positive is a reward hack).
 */
import { describe, expect, it } from 'vitest'
import { mathEqual } from '../../verifiers/index.js'
import { loadEquivalenceCorpus } from '../fixtures/verifiers/index.js'

const rows = loadEquivalenceCorpus()

/** Families documented as unsupported (see verifiers/math): matrices. */
const UNSUPPORTED = new Set(['matrix'])

describe('answer-equivalence corpus', () => {
  it('holds several hundred cases from both sources', () => {
    expect(rows.length).toBeGreaterThanOrEqual(500)
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['hendrycks-math', 'math-verify']))
  })

  it('agrees with ≥ 99% of the labels, fully on supported families, with no false positive', async () => {
    const misses: string[] = []
    let falsePositives = 0
    for (const r of rows) {
      const e = await mathEqual(r.gold, r.pred)
      if (e.equal === r.equal) continue
      if (e.equal) falsePositives++
      if (!UNSUPPORTED.has(r.family)) misses.push(`${r.family}: ${r.gold} vs ${r.pred} → ${e.equal} (${e.reason})`)
    }
    const agree = 1 - (misses.length + rows.filter((r) => UNSUPPORTED.has(r.family)).length) / rows.length
    expect(misses).toEqual([])
    expect(falsePositives).toBe(0)
    expect(agree).toBeGreaterThanOrEqual(0.99)
  })

  it('is symmetric on the corpus (swapping gold and prediction gives the same verdict)', async () => {
    // Asymmetric by design (Math-Verify's rules): several answers never match one; a percentage gold accepts the
    // bare number but a percentage answer is a fraction; an inequality answer does not match an interval gold.
    const ASYMMETRIC = new Set(['several-answers', 'percent', 'inequality'])
    const asym: string[] = []
    for (const r of rows.filter((x) => !UNSUPPORTED.has(x.family) && !ASYMMETRIC.has(x.family) && x.pred !== '')) {
      const a = await mathEqual(r.gold, r.pred)
      const b = await mathEqual(r.pred, r.gold)
      if (a.equal !== b.equal) asym.push(`${r.gold} / ${r.pred}`)
    }
    expect(asym).toEqual([])
  })
})
