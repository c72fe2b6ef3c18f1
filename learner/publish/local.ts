/**
 * LocalArtifactStore: versions under <root>/versions/<sha256>/, staged in <root>/staging/<random>/ on the same
 * filesystem, so publishing is: fsync every file, write manifest.json, fsync, rename the folder into place,
 * fsync the parent. A crash leaves either no version folder or a complete one; staging folders abandoned for
 * 10 minutes are swept on open. Committing files whose address already exists keeps the existing copy (same
 * bytes by construction).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { checkArtifactPath, fileEntry, manifestOf, MANIFEST_FILE, type FileTable } from './manifest.js'
import type { ArtifactStore, StoredVersion } from './store.js'

/** fsync a file or a directory by path. */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Write a file and fsync it before returning. */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Every regular file under `dir`, as relative '/'-separated paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    out.push(relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
  }
  return out.sort()
}

const exists = (p: string) => stat(p).then(() => true, () => false)

/** A staging folder untouched this long belongs to a crashed publisher. */
const STAGING_ABANDONED_MS = 10 * 60_000

async function sweepStaging(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const s = await stat(join(dir, name)).catch(() => null)
    if (s && Date.now() - s.mtimeMs > STAGING_ABANDONED_MS) await rm(join(dir, name), { recursive: true, force: true })
  }
}

export class LocalArtifactStore implements ArtifactStore {
  readonly kind = 'local'
  readonly root: string
  private ready: Promise<void> | undefined

  constructor(root: string) {
    this.root = resolve(root)
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(join(this.root, 'versions'), { recursive: true })
      await mkdir(join(this.root, 'staging'), { recursive: true })
      await sweepStaging(join(this.root, 'staging'))
    })()
    return this.ready
  }

  async stage(): Promise<string> {
    await this.init()
    const dir = join(this.root, 'staging', randomBytes(8).toString('hex'))
    await mkdir(dir)
    return dir
  }

  async commit(stagingDir: string): Promise<StoredVersion> {
    await this.init()
    const files: FileTable = {}
    for (const path of await listFiles(stagingDir)) {
      checkArtifactPath(path, { staged: true })
      const full = join(stagingDir, path)
      files[path] = fileEntry(await readFile(full))
      await fsyncPath(full)
    }
    if (Object.keys(files).length === 0) throw new Error('LocalArtifactStore.commit: nothing staged')
    const manifest = manifestOf(files)
    await writeFileDurable(join(stagingDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2))
    await fsyncPath(stagingDir)
    const target = join(this.root, 'versions', manifest.sha256)
    if (await exists(target)) await rm(stagingDir, { recursive: true, force: true })
    else {
      await rename(stagingDir, target)
      await fsyncPath(join(this.root, 'versions'))
    }
    return { ...manifest, uri: pathToFileURL(target).href + '/' }
  }

  async read(uri: string, path: string): Promise<Uint8Array> {
    checkArtifactPath(path)
    if (!uri.startsWith('file:')) throw new Error(`LocalArtifactStore: not a file:// uri: ${uri}`)
    const dir = fileURLToPath(uri)
    const full = resolve(dir, path)
    if (!full.startsWith(resolve(dir) + sep)) throw new Error(`artifact path escapes its version: ${path}`)
    return new Uint8Array(await readFile(full))
  }

  async discard(stagingDir: string): Promise<void> {
    await rm(stagingDir, { recursive: true, force: true })
  }

  owns(uri: string): boolean {
    return uri.startsWith('file:') && resolve(fileURLToPath(uri)).startsWith(join(this.root, 'versions') + sep)
  }

  /** The whole version folder goes (one rm of <root>/versions/<sha256>/). */
  async remove(uri: string): Promise<void> {
    if (!this.owns(uri)) throw new Error(`LocalArtifactStore: ${uri} is not a version of ${this.root}`)
    await rm(fileURLToPath(uri), { recursive: true, force: true })
  }
}
