/** Where exported rows go: a format writer taking pages of rows. */
import type { ExportRow } from './rows.js'

export interface RowSink {
  write(rows: ExportRow[]): Promise<void>
  close(): Promise<void>
}
