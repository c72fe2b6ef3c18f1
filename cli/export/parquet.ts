/**
 * Parquet through hyparquet-writer (a maintained, dependency-light writer; see README "Scale out"): an explicit
 * schema with standard LIST groups (list<…> and list<list<…>>, what Arrow, pandas and `datasets` read), one row
 * group per page of groups, snappy-compressed, streamed to the file.
 */
import { ParquetWriter } from 'hyparquet-writer'
import { fileWriter } from 'hyparquet-writer/src/node.js'
import type { ExportRow } from './rows.js'
import type { RowSink } from './sink.js'

/** a Parquet schema element (hyparquet's type, as the writer takes it) */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number]
type Leaf = Pick<SchemaElement, 'type' | 'converted_type'>
const STRING: Leaf = { type: 'BYTE_ARRAY', converted_type: 'UTF8' }
const INT32: Leaf = { type: 'INT32' }
const DOUBLE: Leaf = { type: 'DOUBLE' }
const FLOAT: Leaf = { type: 'FLOAT' }

const scalar = (name: string, leaf: Leaf, required = false): SchemaElement[] => [
  { name, repetition_type: required ? 'REQUIRED' : 'OPTIONAL', ...leaf },
]
/** list<leaf> in the standard three-level layout; `depth` 2 gives list<list<leaf>>. */
function list(name: string, leaf: Leaf, depth = 1): SchemaElement[] {
  const inner = depth === 1 ? scalar('element', leaf) : list('element', leaf, depth - 1)
  return [
    { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    ...inner,
  ]
}

const COLUMNS: [keyof ExportRow, SchemaElement[]][] = [
  ['group_id', scalar('group_id', INT32, true)],
  ['task', scalar('task', STRING, true)],
  ['source', scalar('source', STRING, true)],
  ['prompt_id', scalar('prompt_id', INT32)],
  ['prompt', scalar('prompt', STRING)],
  ['policy_version', scalar('policy_version', INT32, true)],
  ['status', scalar('status', STRING, true)],
  ['trained_step', scalar('trained_step', INT32)],
  ['created_at', scalar('created_at', { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }, true)],
  ['reward_mean', scalar('reward_mean', DOUBLE)],
  ['reward_std', scalar('reward_std', DOUBLE)],
  ['completions', list('completions', STRING)],
  ['rewards', list('rewards', DOUBLE)],
  ['advantages', list('advantages', DOUBLE)],
  ['finish_reasons', list('finish_reasons', STRING)],
  ['token_ids', list('token_ids', INT32, 2)],
  ['logprobs', list('logprobs', FLOAT, 2)],
  ['masks', list('masks', INT32, 2)],
]

export const PARQUET_SCHEMA: SchemaElement[] = [{ name: 'root', num_children: COLUMNS.length }, ...COLUMNS.flatMap(([, s]) => s)]

export function parquetSink(file: string): RowSink {
  const writer = new ParquetWriter({ writer: fileWriter(file), schema: PARQUET_SCHEMA, createdBy: 'cohort export' })
  return {
    async write(page: ExportRow[]) {
      if (page.length === 0) return
      await writer.write({
        columnData: COLUMNS.map(([name]) => ({
          name,
          data: page.map((r) => (name === 'created_at' ? BigInt(r.created_at.getTime()) : r[name])) as unknown[],
        })),
        rowGroupSize: page.length,
      })
    },
    async close() {
      writer.finish() // with no row group when nothing matched: still a valid file with the schema
    },
  }
}
