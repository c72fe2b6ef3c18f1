/**
 * A published version in the browser: the files generation needs (INFERENCE_FILES) are downloaded through the
 * edge and each is checked against the version's manifest (size and sha256, WebCrypto) after the manifest itself
 * is checked against the version's address — the same checks as the Node worker's fetchModelFiles, in memory.
 */
import { canonicalManifest } from '../../common/manifest.js'
import { INFERENCE_FILES, inferenceModelFromFiles, type InferenceModel } from '../generate/index.js'
import type { EdgeClient, ModelInfo } from '../rollout/client.js'

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('')
export const sha256Hex = async (data: Uint8Array | string) =>
  hex(await crypto.subtle.digest('SHA-256', typeof data === 'string' ? new TextEncoder().encode(data) : (data as Uint8Array<ArrayBuffer>)))

export class VerificationError extends Error {}

/** Download and verify the inference files of `info`; `progress` hears each file as it arrives. */
export async function fetchInferenceModel(
  edge: EdgeClient,
  info: ModelInfo,
  progress: (path: string, bytes: number) => void = () => {},
): Promise<InferenceModel> {
  const named = await sha256Hex(canonicalManifest(info.files))
  if (named !== info.sha256) throw new VerificationError(`model v${info.version}: its file table hashes to ${named}, not ${info.sha256}`)
  const files = new Map<string, Uint8Array>()
  for (const path of [...INFERENCE_FILES.required, ...INFERENCE_FILES.optional]) {
    const want = info.files[path]
    if (!want) continue
    const bytes = await edge.modelFile(info.version, path, want.sha256)
    if (bytes.length !== want.bytes) throw new VerificationError(`model v${info.version} ${path}: ${bytes.length} bytes, manifest says ${want.bytes}`)
    const got = await sha256Hex(bytes)
    if (got !== want.sha256) throw new VerificationError(`model v${info.version} ${path}: sha256 ${got}, manifest says ${want.sha256}`)
    files.set(path, bytes)
    progress(path, bytes.length)
  }
  return inferenceModelFromFiles(files)
}
