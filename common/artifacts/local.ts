/** file:///…/<sha256>/ versions (the learner's LocalArtifactStore) as a stream, for the edge on Node. */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { ArtifactReader } from './source.js'

export const fileReader: ArtifactReader = async (uri, path) => {
  const dir = resolve(fileURLToPath(uri))
  const full = resolve(dir, path)
  if (!full.startsWith(dir + sep)) throw new Error(`artifact path escapes its version: ${path}`)
  const s = await stat(full).catch(() => null)
  if (!s?.isFile()) return null
  // 1 MiB reads: the default 64 KiB chunks cost several times the throughput on model-sized files (bench:artifacts)
  return { body: Readable.toWeb(createReadStream(full, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>, bytes: s.size }
}
