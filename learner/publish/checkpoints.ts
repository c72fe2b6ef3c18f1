/**
 * Resume checkpoints: the learner's full training state at a committed step, as a folder of files
 * (Trainer.save's params, optimizer moments, trainer state …) under <root>/step-<n>/. Written to
 * <root>/tmp-<random>/, every file fsynced, then renamed into place and the root fsynced: a step folder exists
 * only when complete.
 * The newest `keep` are kept. Checkpoints are snapshots; the database's train_steps rows are the log a resuming
 * learner replays on top of the newest one (learner/service/resume.ts).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fsyncPath, listFiles } from './local.js'

const STEP_DIR = /^step-(\d+)$/

export interface SavedCheckpoint {
  step: number
  dir: string
}

export class CheckpointStore {
  constructor(
    readonly root: string,
    /** how many step folders to keep (≥ 1) */
    readonly keep = 2,
  ) {
    if (!(keep >= 1)) throw new RangeError('CheckpointStore: keep must be ≥ 1')
  }

  /** Atomically write the checkpoint of `step`: `write` fills a fresh folder, which then becomes step-<n>. */
  async save(step: number, write: (dir: string) => Promise<void>): Promise<SavedCheckpoint> {
    await mkdir(this.root, { recursive: true })
    const tmp = join(this.root, `tmp-${randomBytes(6).toString('hex')}`)
    await mkdir(tmp)
    try {
      await write(tmp)
      for (const f of await listFiles(tmp)) await fsyncPath(join(tmp, f))
      await fsyncPath(tmp)
    } catch (err) {
      await rm(tmp, { recursive: true, force: true })
      throw err
    }
    const dir = join(this.root, `step-${String(step).padStart(8, '0')}`)
    await rm(dir, { recursive: true, force: true }) // a same-step folder is superseded by this complete one
    await rename(tmp, dir)
    await fsyncPath(this.root)
    await this.prune()
    return { step, dir }
  }

  /** Complete checkpoints, newest first. */
  async list(): Promise<SavedCheckpoint[]> {
    const names = await readdir(this.root).catch(() => [] as string[])
    return names
      .map((n) => ({ m: STEP_DIR.exec(n), n }))
      .filter((x) => x.m)
      .map((x) => ({ step: Number(x.m![1]), dir: join(this.root, x.n) }))
      .sort((a, b) => b.step - a.step)
  }

  async latest(): Promise<SavedCheckpoint | null> {
    return (await this.list())[0] ?? null
  }

  async read(ckpt: SavedCheckpoint, name: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(join(ckpt.dir, name)))
  }

  private async prune(): Promise<void> {
    for (const old of (await this.list()).slice(this.keep)) await rm(old.dir, { recursive: true, force: true })
    for (const n of await readdir(this.root)) if (n.startsWith('tmp-')) await rm(join(this.root, n), { recursive: true, force: true })
  }
}
