/**
 * Hashing and key generation, the same in Node 20 and workerd (nodejs_compat). sha256 runs synchronously through
 * node:crypto: WebCrypto's digest dispatches every call as an async job, which cost ~6 % of the edge's CPU when
 * every request hashes its key (and every submission its content).
 */
import { createHash } from 'node:crypto'

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return createHash('sha256').update(data).digest('hex')
}

/** sha256 (hex) of several parts in a row, as if concatenated (no copy), synchronously. */
export function sha256HexOf(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

/** A URL-safe random token of `bytes` random bytes. */
export function randomToken(bytes = 32): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes))
  let s = ''
  for (const x of b) s += String.fromCharCode(x)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** JSON with object keys sorted, so equal values hash equally whatever the key order they arrived in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  )
}
