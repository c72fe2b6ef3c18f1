/**
 * The browser rollout worker in a real headless Chromium (Debian's, WASM backend) against an embedded Cohort on
 * Node: the learner publishes version 0, the page downloads it through the edge (sha256-verified), leases prompts,
 * generates groups with the learner's own generator and sampler bundled for the browser (onnxruntime-web), and
 * submits them; then
 *   - the Node generator, given the same model, prompt and seed, draws the very same tokens, and the browser's
 *     log-probs equal Node's within float tolerance;
 *   - the learner trains on the browser's groups (its log-prob recomputation flags none);
 *   - a page whose submissions are rewritten (log-probs 0.5 lower) gets every group flagged and discarded;
 *   - a screenshot lands in test-artifacts/contribute.png.
 * Skipped (with the reason printed) where /usr/bin/chromium is absent.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNodeServer, type NodeServer } from '../../edge/node.js'
import { buildContribute, ORT_WEB_DIR } from '../../learner/browser/build.js'
import { loadInferenceModel, OnnxGenerator } from '../../learner/generate/index.js'
import { CheckpointStore, LocalArtifactStore } from '../../learner/publish/index.js'
import { Learner, resolveLearnConfig, tinyModel } from '../../learner/service/index.js'
import { fromBase64, packFloat32, toBase64, unpackFloat32, unpackInt32 } from '../../common/packed.js'
import { createKey, createTask, getModel, insertPrompts, rows } from '../../schema/queries/index.js'
import { freshDatabase, type TestDatabase } from '../helpers/db.js'
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.js'

const have = existsSync(CHROMIUM)
if (!have) console.warn(`browser worker test skipped: ${CHROMIUM} not found (apt-get install -y chromium)`)

const G = 4
const MAX_NEW = 6
let t: TestDatabase
let dir: string
let learner: Learner
let server: NodeServer
let browser: Browser
let workerKey: string

describe.skipIf(!have)('browser rollout worker in headless Chromium', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    t = await freshDatabase()
    dir = await mkdtemp(join(tmpdir(), 'cohort-contribute-'))
    learner = await Learner.open(
      {
        db: t.db,
        store: new LocalArtifactStore(join(dir, 'artifacts')),
        checkpoints: new CheckpointStore(join(dir, 'checkpoints')),
        base: async () => tinyModel(7),
        train: { lr: 3e-3, microBatchSize: 8, buckets: { rows: [8], seq: [16] }, scoreQuantum: 4, threads: 1 },
        progress: { step: () => {}, log: () => {} },
      },
      resolveLearnConfig({
        owner: 'contribute-test',
        batchGroups: 2,
        batchWaitMs: 0,
        maxStaleness: 0,
        publishEvery: 1000,
        inferenceBucket: { batch: 4, promptLength: 8, cacheLength: 16 },
        quiet: true,
      }),
    ) // publishes version 0
    const task = await createTask(t.db, {
      name: 'arith',
      verifier: { type: 'exact' },
      groupSize: G,
      maxNewTokens: MAX_NEW,
      temperature: 1,
      topP: 1,
      topK: 0,
      leaseSeconds: 300,
    })
    await insertPrompts(t.db, task!.id, Array.from({ length: 12 }, (_, i) => ({ text: `${i % 10}+${(i * 3) % 10}=`, answer: String((i % 10) + ((i * 3) % 10)) })))
    workerKey = (await createKey(t.db, 'worker', 'browser')).key
    const appDir = join(dir, 'contribute')
    await buildContribute(appDir)
    server = await startNodeServer({
      database: { ...t, url: t.url ?? undefined },
      adminKey: 'contribute-admin',
      port: 0,
      contribute: { appDir, ortDir: ORT_WEB_DIR },
    })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await learner?.close()
    await t?.drop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('contributes groups the Node sampler reproduces token for token and the learner trains on', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${server.url}/contribute#key=${workerKey}&task=arith`)
    await page.waitForSelector('body[data-state="ready"]')
    expect(new URL(page.url()).hash).toBe('')
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true) // COOP/COEP: WASM threads allowed
    await page.click('#start')
    await page.waitForFunction(() => Number(document.body.dataset.groups ?? 0) >= 4, undefined, { timeout: 180_000 })
    await page.click('#stop')
    await page.waitForSelector('body[data-state="stopped"]', { timeout: 60_000 })
    const shown = await page.evaluate(() => ({ ...document.body.dataset }))
    expect(Number(shown.accepted)).toBe(Number(shown.groups))
    expect(Number(shown.tokensPerSecond)).toBeGreaterThan(0)
    expect(await page.textContent('#stat-backend')).toMatch(/^WASM ×\d+$/)
    mkdirSync('test-artifacts', { recursive: true })
    await page.screenshot({ path: 'test-artifacts/contribute.png', fullPage: true })
    expect(errors).toEqual([])
    await page.close()

    // the same model, prompt and seed on Node: the same tokens, the same log-probs up to float noise
    const stored = await rows<{ group_id: number; lease_id: number; prompt: string; policy_version: number; index: number; token_ids: Uint8Array; logprobs: Uint8Array; status: string }>(
      t.db,
      sql`SELECT g.id AS group_id, g.lease_id, p.text AS prompt, g.policy_version, c.index, c.token_ids, c.logprobs, g.status
          FROM groups g JOIN prompts p ON p.id = g.prompt_id JOIN completions c ON c.group_id = g.id ORDER BY g.id, c.index`,
    )
    expect(stored.length).toBe(Number(shown.groups) * G)
    const v0 = (await getModel(t.db, 0))!
    const node = new OnnxGenerator(await loadInferenceModel(fileURLToPath(v0.artifactUri)), { threads: 1 })
    let maxDiff = 0
    try {
      for (let i = 0; i < stored.length; i += G) {
        const g = stored[i]
        expect(g.policy_version).toBe(0)
        const [gen] = await node.generate([g.prompt], { n: G, maxNewTokens: MAX_NEW, temperature: 1, topP: 1, seed: (1 * 1_000_003 + Number(g.lease_id)) % 2 ** 31 })
        gen.completions.forEach((c, k) => {
          const row = stored[i + k]
          expect(unpackInt32(row.token_ids)).toEqual(c.tokenIds)
          unpackFloat32(row.logprobs).forEach((lp, j) => (maxDiff = Math.max(maxDiff, Math.abs(lp - Math.min(0, c.logprobs[j])))))
        })
      }
    } finally {
      await node.close()
    }
    console.log(`browser vs Node log-probs: max |diff| = ${maxDiff.toExponential(2)} over ${stored.length} completions`)
    expect(maxDiff).toBeLessThan(1e-4)

    // the learner recomputes the log-probs and trains on every browser group
    const results: string[] = []
    for (let i = 0; i < 8 && results.at(-1) !== 'idle'; i++) results.push(await learner.iterate())
    expect(results.filter((r) => r === 'rejected')).toEqual([])
    const statuses = await rows<{ status: string; n: number }>(t.db, sql`SELECT status, count(*)::int AS n FROM groups GROUP BY status`)
    expect(statuses).toEqual([{ status: 'trained', n: Number(shown.groups) }])
  })

  it('a page that tampers with its log-probs gets its groups flagged by the learner', async () => {
    const cheat = await createKey(t.db, 'worker', 'tamperer')
    const page = await browser.newPage()
    // the page's submissions are rewritten on the way out: every log-prob made 0.5 lower (still ≤ 0); the page
    // sends them as base64 of packed float32 (the typed client's encoding), rewritten as such
    await page.route('**/v1/leases/*/group', async (route) => {
      const body = route.request().postDataJSON()
      for (const c of body.completions) {
        expect(typeof c.logprobs).toBe('string')
        c.logprobs = toBase64(packFloat32(unpackFloat32(fromBase64(c.logprobs)!).map((x) => x - 0.5)))
      }
      await route.continue({ postData: JSON.stringify(body) })
    })
    await page.goto(`${server.url}/contribute#key=${cheat.key}&task=arith`)
    await page.waitForSelector('body[data-state="ready"]')
    await page.click('#start')
    await page.waitForFunction(() => Number(document.body.dataset.groups ?? 0) >= 2, undefined, { timeout: 120_000 })
    await page.click('#stop')
    await page.waitForSelector('body[data-state="stopped"]', { timeout: 60_000 })
    const submitted = Number(await page.getAttribute('body', 'data-groups'))
    await page.close()
    const results: string[] = []
    for (let i = 0; i < 8 && results.at(-1) !== 'idle'; i++) results.push(await learner.iterate())
    expect(results).toContain('rejected')
    const flagged = await rows<{ status: string; diff: number }>(
      t.db,
      sql`SELECT g.status, (g.flags->'logprob_mismatch'->>'maxAbsDiff')::float8 AS diff FROM groups g JOIN leases l ON l.id = g.lease_id
          WHERE l.worker_key_id = ${cheat.id}`,
    )
    expect(flagged).toHaveLength(submitted)
    for (const g of flagged) {
      expect(g.status).toBe('discarded')
      expect(g.diff).toBeCloseTo(0.5, 3)
    }
  })
})
