/**
 * PEFT's adapter folder, which PEFT (`PeftModel.from_pretrained`) and vLLM (`--enable-lora`, LoRARequest) load:
 *   adapter_config.json        { peft_type: "LORA", task_type: "CAUSAL_LM", r, lora_alpha, lora_dropout,
 *                                target_modules, bias: "none", base_model_name_or_path, … }
 *   adapter_model.safetensors  base_model.model.<HF module>.lora_A.weight [r, in], ….lora_B.weight [out, r]
 * Adapters PEFT can express but Cohort does not implement (DoRA, rsLoRA, biases, modules_to_save, per-layer ranks
 * or layer subsets) are refused by name when read.
 */
import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ModelConfig } from '../config.js'
import { readSafetensorsFile, writeSafetensorsFile } from '../io/safetensors-file.js'
import { toFloat32, type Tensor } from '../io/safetensors.js'
import { loraSpecs, resolveLora, type LoraConfig, type LoraTarget } from './config.js'

export const ADAPTER_CONFIG = 'adapter_config.json'
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors'
/** PEFT's tensor-name prefix before the HF module name */
export const PEFT_PREFIX = 'base_model.model.'
const PREFIX = PEFT_PREFIX

export async function hasPeftAdapter(dir: string): Promise<boolean> {
  return access(join(dir, ADAPTER_CONFIG)).then(() => true, () => false)
}

/** Write adapter_config.json + adapter_model.safetensors for `adapters` (loraSpecs order). */
export async function savePeftAdapter(dir: string, c: ModelConfig, lora: LoraConfig, adapters: ReadonlyMap<string, Float32Array>, baseModel = '.'): Promise<void> {
  const tensors: Record<string, Tensor> = {}
  for (const s of loraSpecs(c, lora)) {
    const data = adapters.get(s.name)
    if (!data) throw new Error(`savePeftAdapter: missing ${s.name}`)
    tensors[PREFIX + s.name] = { dtype: 'F32', shape: s.shape, data }
  }
  await writeSafetensorsFile(join(dir, ADAPTER_WEIGHTS), tensors, { format: 'pt' })
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: lora.r,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    target_modules: lora.targets,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    layers_to_transform: null,
    use_rslora: false,
    use_dora: false,
  }
  await writeFile(join(dir, ADAPTER_CONFIG), JSON.stringify(config, null, 2))
}

/** Read a PEFT adapter folder for the model `c`: its LoRA config and adapters by internal name. */
export async function loadPeftAdapter(dir: string, c: ModelConfig): Promise<{ lora: LoraConfig; adapters: Map<string, Float32Array> }> {
  const raw = JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>
  const bad: string[] = []
  if (raw.peft_type !== 'LORA') bad.push(`peft_type=${JSON.stringify(raw.peft_type)}`)
  for (const [k, ok] of [['bias', 'none'], ['use_dora', false], ['use_rslora', false], ['fan_in_fan_out', false]] as const)
    if (raw[k] !== undefined && raw[k] !== ok) bad.push(`${k}=${JSON.stringify(raw[k])}`)
  for (const k of ['modules_to_save', 'layers_to_transform', 'rank_pattern', 'alpha_pattern'])
    if (raw[k] != null && !(typeof raw[k] === 'object' && Object.keys(raw[k] as object).length === 0)) bad.push(k)
  if (bad.length) throw new Error(`${ADAPTER_CONFIG}: unsupported options: ${bad.join(', ')}`)
  const targets = (typeof raw.target_modules === 'string' ? [raw.target_modules] : raw.target_modules) as LoraTarget[]
  const lora = resolveLora({ r: raw.r as number, alpha: raw.lora_alpha as number, dropout: (raw.lora_dropout as number) ?? 0, targets })
  const file = await readSafetensorsFile(join(dir, ADAPTER_WEIGHTS))
  const adapters = new Map<string, Float32Array>()
  for (const s of loraSpecs(c, lora)) {
    const t = file.tensors[PREFIX + s.name] ?? file.tensors[PREFIX + s.name.replace(/\.weight$/, '.default.weight')]
    if (!t) throw new Error(`${ADAPTER_WEIGHTS}: missing ${PREFIX + s.name}`)
    if (t.shape.join() !== s.shape.join()) throw new Error(`${ADAPTER_WEIGHTS}: ${s.name} is [${t.shape}], expected [${s.shape}]`)
    adapters.set(s.name, toFloat32(t))
  }
  return { lora, adapters }
}
