/** cohort export: verified groups of a task as a dataset file (JSONL or Parquet) that Hugging Face `datasets` reads. */
import { getTaskByName, type GroupStatus } from '../../schema/queries/index.js'
import { parse, UsageError, type Command } from '../command.js'
import { describeDatabase, withDatabase } from '../database.js'
import { exportGroups, type ExportFormat } from '../export/run.js'

const STATUSES = ['trained', 'ready'] as const satisfies GroupStatus[]

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a task’s verified groups to a JSONL or Parquet dataset',
  usage: `cohort export --task T --format jsonl|parquet --out FILE [--since ISO] [--status trained|ready]

Writes one row per group — prompt, completions, rewards, advantages, token ids, log-probs, policy version,
status — in a layout Hugging Face datasets reads (load_dataset("json"|"parquet", data_files=FILE)).
--status  trained or ready, or both comma-separated (default trained,ready)
--since   only groups stored at or after this ISO 8601 time
The file is written as FILE.partial and renamed when complete. Database: DATABASE_URL or the embedded one.`,
  async run(argv) {
    const { values } = parse(argv, {
      task: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      since: { type: 'string' },
      status: { type: 'string' },
    })
    if (!values.task) throw new UsageError('--task is required')
    if (!values.out) throw new UsageError('--out is required')
    const format = (values.format ?? (values.out.endsWith('.parquet') ? 'parquet' : 'jsonl')) as ExportFormat
    if (format !== 'jsonl' && format !== 'parquet') throw new UsageError(`--format must be jsonl or parquet, not ${values.format}`)
    const statuses = (values.status ?? STATUSES.join(',')).split(',').map((s) => s.trim())
    for (const s of statuses)
      if (!(STATUSES as readonly string[]).includes(s)) throw new UsageError(`--status takes ${STATUSES.join(' or ')} (comma-separated), not ${s}`)
    let since: Date | undefined
    if (values.since !== undefined) {
      since = new Date(values.since)
      if (Number.isNaN(since.getTime())) throw new UsageError(`--since must be an ISO 8601 time, not ${values.since}`)
    }
    return withDatabase(async ({ db }) => {
      const task = await getTaskByName(db, values.task!)
      if (!task) throw new UsageError(`no task named "${values.task}" in the ${describeDatabase()}`)
      const done = await exportGroups(db, {
        filter: { taskId: task.id, statuses: statuses as GroupStatus[], since },
        format,
        out: values.out!,
        progress: process.stderr.isTTY,
      })
      console.log(`exported ${done.groups} groups (${done.completions} completions) of ${task.name} to ${values.out} (${format})`)
      return 0
    })
  },
}
