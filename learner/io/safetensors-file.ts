/**
 * .safetensors files on disk, tensor by tensor: reading puts each tensor's bytes into its own typed array and
 * writing streams the header then each tensor — no whole-file buffer, so checkpoints beyond Node's 2 GiB
 * readFile limit work. `select` limits which tensors are read.
 */
import { open } from 'node:fs/promises'
import { allocate, encodeHeader, headerLength, numel, parseHeader, tensorBytes, type Tensor } from './safetensors.js'

export async function writeSafetensorsFile(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  const { prefix } = encodeHeader(tensors, metadata)
  const fh = await open(path, 'w')
  try {
    await fh.write(prefix)
    for (const t of Object.values(tensors)) await writeAll(fh, tensorBytes(t))
  } finally {
    await fh.close()
  }
}

export async function readSafetensorsFile(
  path: string,
  select: (name: string) => boolean = () => true,
): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  const fh = await open(path, 'r')
  try {
    const size = (await fh.stat()).size
    const first8 = new Uint8Array(8)
    if (size >= 8) await readExactly(fh, first8, 0)
    const n = headerLength(first8, size) // validated before allocating
    const prefix = new Uint8Array(8 + n)
    prefix.set(first8)
    await readExactly(fh, prefix.subarray(8), 8)
    const header = parseHeader(prefix, size)
    const tensors: Record<string, Tensor> = {}
    for (const e of header.entries) {
      if (!select(e.name)) continue
      const data = allocate(e.dtype, numel(e.shape))
      await readExactly(fh, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.dataStart + e.begin)
      tensors[e.name] = { dtype: e.dtype, shape: e.shape, data }
    }
    return { tensors, metadata: header.metadata }
  } finally {
    await fh.close()
  }
}

type Handle = Awaited<ReturnType<typeof open>>

async function writeAll(fh: Handle, bytes: Uint8Array): Promise<void> {
  const CHUNK = 1 << 30
  for (let at = 0; at < bytes.length; at += CHUNK) await fh.write(bytes.subarray(at, Math.min(at + CHUNK, bytes.length)))
}

async function readExactly(fh: Handle, into: Uint8Array, position: number): Promise<void> {
  const CHUNK = 1 << 30 // a single read() is capped near 2 GiB
  let done = 0
  while (done < into.length) {
    const len = Math.min(CHUNK, into.length - done)
    const { bytesRead } = await fh.read(into, done, len, position + done)
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`)
    done += bytesRead
  }
}
