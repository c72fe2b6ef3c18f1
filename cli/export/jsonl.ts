/** JSON Lines: one group per line (created_at as ISO 8601), written with the stream's backpressure. */
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { ExportRow } from './rows.js'
import type { RowSink } from './sink.js'

export function jsonlSink(file: string): RowSink {
  const out = createWriteStream(file)
  return {
    async write(rows: ExportRow[]) {
      const text = rows.map((r) => JSON.stringify({ ...r, created_at: r.created_at.toISOString() }) + '\n').join('')
      if (!out.write(text)) await once(out, 'drain')
    },
    async close() {
      out.end()
      await once(out, 'finish')
    },
  }
}
