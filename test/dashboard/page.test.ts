/**
 * The dashboard page in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core) against the
 * edge on Node over a real database: the key from the URL fragment is kept and hidden, every chart draws the
 * seeded data, the key form works, and a screenshot lands in test-artifacts/dashboard.png.
 * Skipped (with the reason printed) where /usr/bin/chromium is absent: `apt-get install -y chromium`.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNodeServer, type NodeServer } from '../../edge/node.js'
import { testEdge, type TestEdge } from '../helpers/edge.js'
import { SEED, seedRun } from './seed.js'

const CHROMIUM = '/usr/bin/chromium'
const have = existsSync(CHROMIUM)
if (!have) console.warn(`dashboard browser test skipped: ${CHROMIUM} not found (apt-get install -y chromium)`)
// flags from the machine notes (playwright adds --headless and a fresh profile itself): without the
// background-networking ones Chromium floods the closed network with connection attempts
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

let t: TestEdge
let server: NodeServer
let browser: Browser

describe.skipIf(!have)('dashboard page in headless Chromium', () => {
  beforeAll(async () => {
    t = await testEdge()
    await seedRun(t)
    server = await startNodeServer({ database: { ...t.database, url: t.database.url ?? undefined }, adminKey: 'dash-admin-key', port: 0 })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  })
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await t?.close()
  })

  it('draws every chart from the data route and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${server.url}/#key=${t.keys.learner}`)
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 })
    expect(new URL(page.url()).hash).toBe('') // the key left the address bar…
    expect(await page.evaluate(() => localStorage.getItem('cohort.dashboard.key'))).toBe(t.keys.learner) // …for storage
    const points = async (id: string) => Number(await page.getAttribute(`#${id}`, 'data-points'))
    expect(await points('chart-reward')).toBe(2 * SEED.steps) // per step + moving mean
    expect(await points('chart-kl')).toBe(SEED.steps)
    // rollout accuracy + mean reward for versions 0..2, held-out accuracy for the 2 published ones
    expect(await points('chart-versions')).toBe(2 * SEED.versions + (SEED.versions - 1))
    expect(await points('chart-published')).toBe(SEED.versions - 1)
    expect(await page.getAttribute('#chart-queue', 'data-total')).toBe(String(SEED.versions * SEED.groupsPerVersion))
    expect(await points('chart-mismatch')).toBe(2 * SEED.steps) // sampling/mismatch_kl and sampling/masked_fraction
    // one worker, every group accepted, nothing flagged
    const cells = await page.locator('#workers tbody tr').first().locator('td').allTextContents()
    expect(cells.slice(1, 4)).toEqual([String(SEED.versions * SEED.groupsPerVersion), String(SEED.versions * SEED.groupsPerVersion), '0'])
    // uPlot drew: one canvas per chart, a legend entry per series (after the x one)
    expect(await page.getAttribute('#chart-reward', 'data-series')).toBe('2')
    expect(await page.locator('#chart-reward canvas').count()).toBe(1)
    expect(await page.locator('#chart-reward .u-legend .u-series').count()).toBe(3)
    // y ticks are round numbers (no 74.55-style labels): uPlot's axis splits
    const ticks = await page.evaluate(() => (window as any).cohortPlots['chart-kl'].axes[1]._splits as number[])
    for (const v of ticks) expect(Math.abs(v / (ticks[1] - ticks[0]) - Math.round(v / (ticks[1] - ticks[0])))).toBeLessThan(1e-6)
    // hovering shows the values under the cursor in the legend
    const box = (await page.locator('#chart-kl .u-over').boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.waitForFunction(() => /\d/.test(document.querySelector('#chart-kl .u-legend .u-series:nth-child(2) .u-value')!.textContent!))
    expect(await page.locator('#recent li').count()).toBe(24)
    expect(await page.textContent('#tile-step')).toBe(String(SEED.steps))
    expect(errors).toEqual([])
    mkdirSync('test-artifacts', { recursive: true })
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true })
    await page.close()
  })

  it('asks for a key when none is stored, and a refused key brings the form back', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/`)
    await page.waitForSelector('#login:not([hidden])')
    await page.fill('#login-key', t.keys.worker) // a worker key is refused (403)
    await page.click('#login-form button[type=submit]')
    await page.waitForFunction(() => document.getElementById('login-msg')!.textContent!.includes('role'))
    await page.fill('#login-key', 'dash-admin-key')
    await page.click('#login-form button[type=submit]')
    await page.waitForSelector('body[data-loaded="true"]')
    expect(await page.isHidden('#login')).toBe(true)
    await context.close()
  })
})
