/**
 * Request bodies on the Node server (edge/node.ts), where /v1 reads them straight from the socket's stream
 * (bodyLimit readOnNode) instead of through a web Request: the same answers as through app.request() — JSON
 * parsed, malformed JSON 400, not JSON 415, over the limit 413 with or without Content-Length, nothing stored.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { startNodeServer, type NodeServer } from '../../edge/node.js'
import { rows } from '../../schema/index.js'
import { freshDatabase, type TestDatabase } from '../helpers/db.js'

const LIMIT = 256 * 1024
const ADMIN = 'ck_admin_node_body'
let database: TestDatabase
let s: NodeServer
beforeAll(async () => {
  database = await freshDatabase()
  s = await startNodeServer({ port: 0, database, adminKey: ADMIN, bodyLimitBytes: LIMIT })
})
afterAll(async () => {
  await s?.close()
  await database?.drop()
})

/** POST over node:http: `chunked` sends no Content-Length (Transfer-Encoding: chunked, the body in pieces). */
function post(path: string, body: string, opts: { type?: string; chunked?: boolean } = {}) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}`, 'content-type': opts.type ?? 'application/json' }
    if (!opts.chunked) headers['content-length'] = String(Buffer.byteLength(body))
    const req = request(`${s.url}${path}`, { method: 'POST', headers }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }))
    })
    req.on('error', reject)
    if (opts.chunked) for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000))
    req.end(opts.chunked ? undefined : body)
  })
}
const taskNamed = async (name: string) => (await rows(database.db, sql`select id from tasks where name = ${name}`)).length

describe('request bodies on the Node server', () => {
  it('parses JSON bodies, with or without Content-Length (and a leading BOM)', async () => {
    const task = (name: string) => JSON.stringify({ name, verifier: { type: 'exact' }, groupSize: 2 })
    expect((await post('/v1/tasks', task('sized'))).status).toBe(201)
    expect((await post('/v1/tasks', task('chunked'), { chunked: true })).status).toBe(201)
    expect((await post('/v1/tasks', '\ufeff' + task('bom'))).status).toBe(201)
    const big = JSON.stringify({ prompts: Array.from({ length: 50 }, (_, i) => ({ prompt: `p${i} ${'y'.repeat(200)}`, answer: String(i) })) })
    const res = await post('/v1/tasks/sized/prompts', big, { chunked: true })
    expect(res.status).toBe(201)
    expect(await rows(database.db, sql`select id from prompts`)).toHaveLength(50)
  })

  it('a body over 64 KB (parsed member by member from its bytes) stores the same values; malformed → 400', async () => {
    const prompts = Array.from({ length: 300 }, (_, i) => ({ prompt: `big${i} "q" \\ é😀 ${'z'.repeat(300)}`, answer: String(i) }))
    const big = JSON.stringify({ prompts }, null, 1)
    expect(big.length).toBeGreaterThan(100_000)
    expect((await post('/v1/tasks', JSON.stringify({ name: 'large', verifier: { type: 'exact' }, groupSize: 2 }))).status).toBe(201)
    expect((await post('/v1/tasks/large/prompts', big.replace(/\]\n\}$/, ',]}'))).status).toBe(400)
    expect((await post('/v1/tasks/large/prompts', big, { chunked: true })).status).toBe(201)
    const got = await rows<{ text: string }>(database.db, sql`select p.text from prompts p join tasks t on t.id = p.task_id where t.name = 'large' order by p.id`)
    expect(got.map((r) => r.text)).toEqual(prompts.map((p) => p.prompt))
  })

  it('malformed JSON → 400, not JSON → 415', async () => {
    expect((await post('/v1/tasks', '{"name": "x",')).status).toBe(400)
    const r = await post('/v1/tasks', 'name=x', { type: 'application/x-www-form-urlencoded' })
    expect(r.status).toBe(415)
    expect(r.body.detail).toMatch(/JSON/)
  })

  it(`over the limit (${LIMIT} bytes) → 413, with or without Content-Length; nothing stored`, async () => {
    const big = JSON.stringify({ name: 'too-big', description: 'x'.repeat(LIMIT), verifier: { type: 'exact' }, groupSize: 2 })
    for (const chunked of [false, true]) {
      const r = await post('/v1/tasks', big, { chunked })
      expect(r.status).toBe(413)
      expect(r.body.detail).toContain(String(LIMIT))
    }
    expect(await taskNamed('too-big')).toBe(0)
    // the server still answers on new connections afterwards
    expect((await post('/v1/tasks', JSON.stringify({ name: 'after', verifier: { type: 'exact' }, groupSize: 2 }))).status).toBe(201)
  })
})
