/** cohort tasks add|list: manage tasks directly in the database, with the edge's own validation. */
import { readFileSync } from 'node:fs'
import type { z } from 'zod'
import { CreateTaskBody, PromptInput } from '../../edge/routes/tasks/schemas.js'
import { createTask, insertPrompts, listTasks } from '../../schema/queries/index.js'
import { unscorablePrompts } from '../../verifiers/index.js'
import { parse, UsageError, type Command } from '../command.js'
import { withDatabase } from '../database.js'
import { loadGenerationConfig, type GenerationDefaults } from '../../learner/io/index.js'

const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')

/** Prompts from a JSONL file: one `{ "prompt": …, "answer"?: …, "metadata"?: … }` per line. */
function readPrompts(file: string) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, n]) => {
      let json: unknown
      try {
        json = JSON.parse(line)
      } catch {
        throw new UsageError(`${file}:${n}: not JSON`)
      }
      const p = PromptInput.safeParse(json)
      if (!p.success) throw new UsageError(`${file}:${n}: ${issues(p.error)}`)
      return { text: p.data.prompt, answer: p.data.answer, metadata: p.data.metadata, line: n }
    })
}

export const tasks: Command = {
  name: 'tasks',
  summary: 'add a task (with prompts from JSONL) or list tasks',
  usage: `cohort tasks add --name N --group-size G [--verifier JSON] [--prompts FILE.jsonl] [--max-new-tokens T]
                  [--temperature X] [--top-p X] [--top-k K] [--model DIR] [--lease-seconds S] [--chat] [--system TEXT] [--no-backpressure]
cohort tasks list

add:  creates a task; --verifier is a verifier spec as JSON (default {"type":"exact"}); --prompts adds prompts
      from a JSONL file, one {"prompt": "...", "answer": "..."} per line. Tasks that exist get only the prompts.
      --model DIR takes the sampling defaults of DIR/generation_config.json (temperature, top_p, top_k) for the
      options not given (a greedy default is not taken: GRPO needs sampling).
      --chat renders prompts as chat messages with the model's chat template; --system TEXT (implies --chat)
      puts a system message before each prompt. --no-backpressure never holds workers back for this task
      (by default leases wait while the queue holds more than the learner trains before it goes stale).
list: prints each task's name, group size, sampling, chat option and verifier.`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      name: { type: 'string' },
      'group-size': { type: 'string' },
      verifier: { type: 'string' },
      prompts: { type: 'string' },
      'max-new-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'top-k': { type: 'string' },
      model: { type: 'string' },
      'lease-seconds': { type: 'string' },
      chat: { type: 'boolean' },
      system: { type: 'string' },
      'no-backpressure': { type: 'boolean' },
    })
    const sub = positionals[0]
    if (sub === 'list') {
      const rows = await withDatabase(({ db }) => listTasks(db))
      for (const t of rows)
        console.log(`${t.name}\tG=${t.groupSize}\ttemperature=${t.temperature} top_p=${t.topP} top_k=${t.topK}${t.chat ? `\tchat ${JSON.stringify(t.chat)}` : ''}\t${JSON.stringify(t.verifier)}`)
      if (rows.length === 0) console.log('(no tasks)')
      return 0
    }
    if (sub !== 'add') throw new UsageError('expected: cohort tasks add|list')
    let verifier: unknown = { type: 'exact' }
    if (values.verifier) {
      try {
        verifier = JSON.parse(values.verifier)
      } catch {
        throw new UsageError('--verifier must be JSON')
      }
    }
    const num = (s: string | undefined) => (s === undefined ? undefined : Number(s))
    let gen: GenerationDefaults = {}
    try {
      gen = (values.model ? await loadGenerationConfig(values.model) : undefined) ?? {}
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
    const body = CreateTaskBody.safeParse({
      name: values.name,
      verifier,
      groupSize: num(values['group-size']),
      maxNewTokens: num(values['max-new-tokens']),
      temperature: num(values.temperature) ?? (gen.temperature ? gen.temperature : undefined),
      topP: num(values['top-p']) ?? gen.top_p,
      topK: num(values['top-k']) ?? gen.top_k,
      leaseSeconds: num(values['lease-seconds']),
      backpressure: !values['no-backpressure'],
      chat: values.system !== undefined ? { system: values.system } : values.chat ? {} : null,
    })
    if (!body.success) throw new UsageError(issues(body.error))
    const prompts = values.prompts ? readPrompts(values.prompts) : []
    const failed = await withDatabase(async ({ db }) => {
      const existing = (await listTasks(db)).find((t) => t.name === body.data.name)
      // the same check as POST /v1/tasks/{name}/prompts: refuse the whole file if any prompt cannot be scored
      const bad = await unscorablePrompts(existing?.verifier ?? body.data.verifier, prompts)
      if (bad.size > 0) {
        for (const [i, why] of [...bad].slice(0, 20)) console.error(`${values.prompts}:${prompts[i].line}: ${why}`)
        console.error(`${bad.size} of ${prompts.length} prompts cannot be scored by the task's verifier; nothing was stored`)
        return true
      }
      const created = await createTask(db, body.data)
      const task = created ?? existing!
      const n = await insertPrompts(db, task.id, prompts.map(({ line: _, ...p }) => p))
      console.log(`${created ? 'created' : 'existing'} task ${task.name}; ${n} prompts added`)
      return false
    })
    return failed ? 1 : 0
  },
}
