/**
 * Execution-provider selection: `cpu | cuda | webgpu`, from config or env COHORT_EP, and the clear error thrown
 * when the requested provider cannot start on this machine.
 */
import * as ort from 'onnxruntime-node'

export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu'
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu']

/** The provider to use: explicit option, else env COHORT_EP, else cpu. Throws on an unknown name. */
export function resolveEp(ep?: string, env: Record<string, string | undefined> = process.env): ExecutionProvider {
  const name = (ep ?? env.COHORT_EP ?? 'cpu').trim().toLowerCase()
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(name)) {
    throw new Error(`unknown execution provider "${name}" (COHORT_EP / ep option): use one of ${EXECUTION_PROVIDERS.join(', ')}`)
  }
  return name as ExecutionProvider
}

const HINT: Record<ExecutionProvider, string> = {
  cpu: '',
  cuda: 'install onnxruntime-node with its CUDA 12 provider (ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node; needs a CUDA 12 driver + cuDNN 9), or use COHORT_EP=cpu',
  webgpu: 'the bundled WebGPU provider needs a GPU adapter reachable through Vulkan (libvulkan.so.1 and a GPU ICD); use COHORT_EP=cpu otherwise',
}

/** Thrown when a session cannot be created on the requested execution provider. */
export class ExecutionProviderUnavailable extends Error {
  constructor(readonly ep: ExecutionProvider, cause: unknown) {
    const why = String(cause instanceof Error ? cause.message : cause).split('\n')[0].slice(0, 400)
    super(`execution provider "${ep}" is unavailable on this machine: ${why}. Fix: ${HINT[ep]}`)
    this.name = 'ExecutionProviderUnavailable'
  }
}

/** Providers onnxruntime-node lists as present in this install (bundled or not). */
export function listedProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name)
}
