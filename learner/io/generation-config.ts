/**
 * generation_config.json (transformers' GenerationConfig), the part Cohort honours:
 *   eos_token_id  int | int[]   extra stop ids (Llama 3.x instruct stops at <|eot_id|> and <|eom_id|> this way)
 *   temperature, top_p, top_k, do_sample   the model's default sampling (do_sample false = greedy, temperature 0)
 * bos/pad ids and informational keys are read too; options that change decoding in ways Cohort's sampler does
 * not implement (repetition_penalty ≠ 1, min_p, typical_p, num_beams > 1, …) are refused by name, since a task
 * sampling without them would produce rollouts the model's authors did not intend.
 */
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface GenerationDefaults {
  /** stop ids (normalised to a list) */
  eos_token_id?: number[]
  bos_token_id?: number
  pad_token_id?: number
  /** default sampling temperature (0 when do_sample is false: greedy) */
  temperature?: number
  top_p?: number
  /** 0 = off */
  top_k?: number
}

export const GENERATION_CONFIG = 'generation_config.json'

const INFO = new Set(['_from_model_config', 'transformers_version', 'use_cache', 'max_length', 'max_new_tokens', 'cache_implementation'])
/** keys allowed only at the value that changes nothing */
const NEUTRAL: Record<string, unknown> = { repetition_penalty: 1, num_beams: 1, length_penalty: 1, no_repeat_ngram_size: 0, typical_p: 1, min_p: 0, encoder_repetition_penalty: 1 }

/** Parse a generation_config.json object; throws naming what it refuses. */
export function readGenerationConfig(raw: Record<string, unknown>): GenerationDefaults {
  const bad: string[] = []
  const out: GenerationDefaults = {}
  const ids = (v: unknown) => (Array.isArray(v) ? v : [v]).every((x) => Number.isInteger(x) && (x as number) >= 0)
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || INFO.has(k)) continue
    if (k === 'eos_token_id' && ids(v)) out.eos_token_id = (Array.isArray(v) ? v : [v]) as number[]
    else if ((k === 'bos_token_id' || k === 'pad_token_id') && Number.isInteger(v)) out[k] = v as number
    else if (k === 'temperature' && typeof v === 'number' && v >= 0) out.temperature = v
    else if (k === 'top_p' && typeof v === 'number' && v > 0 && v <= 1) out.top_p = v
    else if (k === 'top_k' && Number.isInteger(v) && (v as number) >= 0) out.top_k = v as number
    else if (k === 'do_sample' && typeof v === 'boolean') continue
    else if (k in NEUTRAL && v === NEUTRAL[k]) continue
    else bad.push(`${k}=${JSON.stringify(v)}`)
  }
  if (bad.length) throw new Error(`${GENERATION_CONFIG}: unsupported options: ${bad.join(', ')}`)
  if (raw.do_sample === false) return { ...out, temperature: 0, top_p: undefined, top_k: undefined }
  return out
}

/** The folder's generation_config.json, or undefined when it has none. */
export async function loadGenerationConfig(dir: string): Promise<GenerationDefaults | undefined> {
  const path = join(dir, GENERATION_CONFIG)
  if (!(await access(path).then(() => true, () => false))) return undefined
  return readGenerationConfig(JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>)
}

/** Stop ids of a model: the tokenizer's EOS, config.json's eos_token_id(s) and generation_config's, deduplicated. */
export function modelStopIds(tokenizerEos: number | undefined, configEos: number | number[] | undefined, gen?: GenerationDefaults): number[] {
  return [...new Set([tokenizerEos, configEos, gen?.eos_token_id].flat().filter((x): x is number => x !== undefined))]
}
