/**
 * The rating page in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core) against the edge
 * on Node over a real database: three people rate a human-rated group until it reaches its quorum and becomes
 * `ready` — one joins from an invitation link, one from a key in the fragment, one types a key and skips — using
 * only the keyboard; the agreement line follows; no page ever shows the reference; every control is labelled;
 * screenshots (phone and desktop width) land in test-artifacts/.
 * Skipped (with the reason printed) where /usr/bin/chromium is absent: `apt-get install -y chromium`.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNodeServer, type NodeServer } from '../../edge/node.js'
import { rows } from '../../schema/index.js'
import { testEdge, type TestEdge } from '../helpers/edge.js'
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.js'

const have = existsSync(CHROMIUM)
if (!have) console.warn(`rating page browser test skipped: ${CHROMIUM} not found (apt-get install -y chromium)`)

const REF = 'REF-SECRET-ANSWER'
let t: TestEdge
let server: NodeServer
let browser: Browser
let groupId: number
const ADMIN = 'rate-admin-key'

async function api(method: string, path: string, key: string | null, body?: unknown) {
  const headers: Record<string, string> = {}
  if (key) headers.authorization = `Bearer ${key}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  return (await res.json()) as any
}

/** A page that records errors and every response body it received (checked for the reference). */
async function open(url: string, viewport = { width: 1100, height: 900 }) {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  const errors: string[] = []
  const bodies: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('response', async (r) => bodies.push(await r.text().catch(() => '')))
  await page.goto(url)
  return { page, errors, bodies, close: () => context.close() }
}

const itemShown = (page: Page) => page.waitForSelector('body[data-state="item"]')
/** Wait until the page shows a completion other than `prev` (or the empty state). */
const nextShown = (page: Page, prev: string) =>
  page.waitForFunction((p) => document.body.dataset.state === 'empty' || (document.body.dataset.state === 'item' && document.body.dataset.completion !== p), prev)
const shown = (page: Page) => page.evaluate(() => document.body.dataset.completion ?? '')

describe.skipIf(!have)('rating page in headless Chromium', () => {
  beforeAll(async () => {
    t = await testEdge()
    server = await startNodeServer({ database: { ...t.database, url: t.database.url ?? undefined }, adminKey: ADMIN, port: 0 })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })
    expect((await fetch(server.url + '/v1/tasks', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'haiku', verifier: { type: 'human', quorum: 3 }, groupSize: 2 }),
    })).status).toBe(201)
    await api('POST', '/v1/tasks/haiku/prompts', ADMIN, { prompts: [{ prompt: 'Write a haiku about autumn', answer: REF }] })
    const lease = await api('POST', '/v1/leases', t.keys.worker, { task: 'haiku' })
    const group = await api('POST', `/v1/leases/${lease.leaseId}/group`, t.keys.worker, {
      modelVersion: 0,
      completions: [{ text: 'Leaves fall, red and slow\nthe river keeps what it finds\nnight comes a bit sooner' }, { text: 'autumn autumn autumn' }],
    })
    expect(group.status).toBe('pending')
    groupId = group.groupId
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await t?.close()
  })

  it('three people rate with the keyboard until the group is ready; screenshots at phone and desktop width', async () => {
    mkdirSync('test-artifacts', { recursive: true })
    // A: an invitation link, on a phone-sized screen; only the keyboard
    const invite = await api('POST', '/v1/invites', ADMIN, { role: 'rater', label: 'phone person' })
    const a = await open(server.url + invite.link, { width: 390, height: 844 })
    await itemShown(a.page)
    expect(new URL(a.page.url()).hash).toBe('') // the code left the address bar
    expect(await a.page.evaluate(() => localStorage.getItem('cohort.rater.key'))).toMatch(/^ck_rater_/)
    expect(await a.page.evaluate(() => document.activeElement?.id)).toBe('score') // focus is on the slider
    expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390) // no sideways scroll
    await a.page.screenshot({ path: 'test-artifacts/rate-phone.png', fullPage: true })
    let prev = await shown(a.page)
    await a.page.keyboard.press('5')
    await nextShown(a.page, prev)
    prev = await shown(a.page)
    await a.page.keyboard.press('1')
    await a.page.waitForSelector('body[data-state="empty"]')
    expect(await a.page.getAttribute('body', 'data-rated')).toBe('2')

    // B: a key in the fragment; the slider with arrow keys, Enter submits it
    const b = await open(`${server.url}/rate#key=${t.keys.rater}`)
    await itemShown(b.page)
    await b.page.screenshot({ path: 'test-artifacts/rate-item-desktop.png', fullPage: true })
    prev = await shown(b.page)
    await b.page.keyboard.press('ArrowRight')
    await b.page.keyboard.press('ArrowRight') // 0.5 → 0.6
    expect(await b.page.textContent('#score-out')).toBe('0.60')
    await b.page.keyboard.press('Enter')
    await nextShown(b.page, prev)
    await b.page.keyboard.press('2')
    await b.page.waitForSelector('body[data-state="empty"]')

    // C: types a key; skips the first answer, rates the other, then comes back to the skipped one in a new session
    const c = (await api('POST', '/v1/keys', ADMIN, { role: 'rater', label: 'typist' })).key
    const cp = await open(`${server.url}/rate`)
    await cp.page.waitForSelector('body[data-state="login"]')
    expect(await cp.page.evaluate(() => document.activeElement?.id)).toBe('login-key')
    await cp.page.keyboard.type(c)
    await cp.page.keyboard.press('Enter')
    await itemShown(cp.page)
    const skippedId = await shown(cp.page)
    await cp.page.keyboard.press('s')
    await nextShown(cp.page, skippedId)
    expect(await shown(cp.page)).not.toBe(skippedId)
    await cp.page.keyboard.press('4')
    await cp.page.waitForSelector('body[data-state="empty"]')
    await cp.page.evaluate(() => sessionStorage.clear())
    await cp.page.reload()
    await itemShown(cp.page)
    expect(await shown(cp.page)).toBe(skippedId)
    await cp.page.keyboard.press('5')
    await cp.page.waitForSelector('body[data-state="empty"]')
    await cp.page.waitForFunction(() => /agree with the other raters on \d of 2 compared/.test(document.getElementById('stats')!.textContent!))
    await cp.page.screenshot({ path: 'test-artifacts/rate-desktop.png', fullPage: true })

    const [g] = await rows<{ status: string }>(t.db, sql`select status from groups where id = ${groupId}`)
    expect(g.status).toBe('ready')
    const rewards = await rows<{ reward: number }>(t.db, sql`select reward from completions where group_id = ${groupId} order by index`)
    // first completion: A 1, B 0.6, C 1 (after the skip); second: A 0, B 0.25, C 0.75 — order of display decides
    // which is which, so compare the sorted sums
    expect(rewards.map((r) => r.reward).reduce((x, y) => x + y) * 3).toBeCloseTo(1 + 0.6 + 1 + 0 + 0.25 + 0.75, 6)

    for (const p of [a, b, cp]) {
      expect(p.errors).toEqual([])
      expect(p.bodies.join('\n')).not.toContain(REF)
      expect(await p.page.content()).not.toContain(REF)
      await p.close()
    }
  })

  it('every control has a label, and Tab walks slider → quick buttons → submit → skip', async () => {
    const page = (await open(`${server.url}/rate#key=${t.keys.rater}`)).page
    await page.waitForSelector('body[data-state="empty"]') // this rater rated everything
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input, select, button'))
        .filter((e) => !((e as HTMLInputElement).labels?.length || e.getAttribute('aria-label') || e.textContent!.trim()))
        .map((e) => e.outerHTML),
    )
    expect(unlabelled).toEqual([])
    await page.evaluate(() => {
      document.body.dataset.state = 'item'
      document.getElementById('rating')!.hidden = false
      document.getElementById('score')!.focus()
    })
    const order: string[] = []
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press('Tab')
      order.push(await page.evaluate(() => document.activeElement!.id || document.activeElement!.textContent!.trim()))
    }
    expect(order).toEqual(['1 · bad', '2', '3', '4', '5 · great', 'submit', 'skip'])
  })

  it('a refused key brings the key form back', async () => {
    const revoked = await api('POST', '/v1/keys', ADMIN, { role: 'rater' })
    await fetch(`${server.url}/v1/keys/${revoked.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })
    const { page } = await open(`${server.url}/rate#key=${revoked.key}`)
    await page.waitForSelector('body[data-state="login"]')
    expect(await page.textContent('#login-msg')).toMatch(/revoked/)
  })
})
