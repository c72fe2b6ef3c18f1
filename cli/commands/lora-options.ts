/** --lora-rank / --lora-alpha / --lora-dropout / --lora-targets, shared by `cohort learn` and `cohort demo`. */
import { LORA_TARGETS, resolveLora, type LoraConfig, type LoraTarget } from '../../learner/lora/index.js'
import { UsageError } from '../command.js'

export const LORA_FLAGS = {
  'lora-rank': { type: 'string' },
  'lora-alpha': { type: 'string' },
  'lora-dropout': { type: 'string' },
  'lora-targets': { type: 'string' },
} as const

export const LORA_USAGE = `  --lora-rank R        train LoRA adapters of rank R on the frozen base (default: full fine-tuning)
  --lora-alpha A       LoRA alpha; scale = A / R (default 16)
  --lora-dropout P     dropout on the adapters' input while training (default 0)
  --lora-targets LIST  comma-separated projections (default all: ${LORA_TARGETS.join(',')})`

/** The LoRA config the flags ask for, or undefined without --lora-rank. */
export function loraOption(v: Partial<Record<keyof typeof LORA_FLAGS, string>>): LoraConfig | undefined {
  if (v['lora-rank'] === undefined) {
    const stray = (['lora-alpha', 'lora-dropout', 'lora-targets'] as const).find((k) => v[k] !== undefined)
    if (stray) throw new UsageError(`--${stray} needs --lora-rank`)
    return undefined
  }
  const num = (k: keyof typeof LORA_FLAGS) => (v[k] === undefined ? undefined : Number(v[k]))
  try {
    return resolveLora({
      r: num('lora-rank')!,
      ...(v['lora-alpha'] !== undefined && { alpha: num('lora-alpha') }),
      ...(v['lora-dropout'] !== undefined && { dropout: num('lora-dropout') }),
      ...(v['lora-targets'] !== undefined && { targets: v['lora-targets'].split(',').map((t) => t.trim()) as LoraTarget[] }),
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}
