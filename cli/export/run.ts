/**
 * The export loop: count → pages of groups (keyset, PAGE groups at a time) → rows → the format's sink, with a
 * progress bar on stderr (cli-progress). Written to FILE.partial and renamed at the end, so FILE is complete or
 * absent.
 */
import { rename, rm } from 'node:fs/promises'
import { SingleBar, Presets } from 'cli-progress'
import type { Db } from '../../schema/pg.js'
import { countExportGroups, exportPage, type ExportFilter } from '../../schema/queries/index.js'
import { jsonlSink } from './jsonl.js'
import { parquetSink } from './parquet.js'
import { exportRow } from './rows.js'

export type ExportFormat = 'jsonl' | 'parquet'

/** Groups read per query (and per Parquet row group). */
const PAGE = 500

export interface ExportResult {
  groups: number
  completions: number
}

export async function exportGroups(
  db: Db,
  o: { filter: ExportFilter; format: ExportFormat; out: string; progress?: boolean },
): Promise<ExportResult> {
  const total = await countExportGroups(db, o.filter)
  const bar = o.progress ? new SingleBar({ format: 'export [{bar}] {value}/{total} groups | {eta_formatted} left', etaBuffer: 20 }, Presets.shades_classic) : null
  bar?.start(total, 0)
  const partial = `${o.out}.partial`
  const sink = o.format === 'jsonl' ? jsonlSink(partial) : parquetSink(partial)
  const done: ExportResult = { groups: 0, completions: 0 }
  try {
    for (let after = 0; ; ) {
      const page = await exportPage(db, o.filter, after, PAGE)
      if (page.length === 0) break
      await sink.write(page.map(exportRow))
      after = page[page.length - 1].id
      done.groups += page.length
      done.completions += page.reduce((s, g) => s + g.completions.length, 0)
      bar?.update(done.groups)
    }
    await sink.close()
    await rename(partial, o.out)
  } catch (err) {
    await rm(partial, { force: true })
    throw err
  } finally {
    bar?.stop()
  }
  return done
}
