/**
 * One JSON request to the edge inside workerd, through the worker's fetch handler (the same path a Workers
 * request takes): the shared helper of the workerd tests. `json` is null for an empty body.
 */
import { exports } from 'cloudflare:workers'

export interface EdgeAnswer {
  status: number
  type: string | null
  retryAfter: string | null
  json: any
}

export async function call(method: string, path: string, key: string | null, body?: unknown): Promise<EdgeAnswer> {
  const headers: Record<string, string> = {}
  if (key) headers.authorization = `Bearer ${key}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), json: text ? JSON.parse(text) : null }
}
