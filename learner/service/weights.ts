/**
 * The weights of recent published versions, for recomputing old log-probs under the policy that generated a
 * group. Read from the artifact store (the version's model.safetensors — with LoRA its adapter_model.safetensors,
 * what the Trainer feeds — checked against its recorded sha256) and kept in memory for the newest `capacity`
 * versions asked for (maxStaleness + 1). Also each version's prompt BOS (config.json cohort_prompt_bos: how its
 * workers tokenized raw text prompts), read once per version.
 */
import { paramSpecs, type ModelConfig } from '../config.js'
import { promptBosOf, readSafetensors, toFloat32, WEIGHTS_FILE } from '../io/index.js'
import { ADAPTER_WEIGHTS, loraSpecs, PEFT_PREFIX, type LoraConfig } from '../lora/index.js'
import { sha256Hex, type ArtifactStore, type FileTable } from '../publish/index.js'
import type { Db } from '../../schema/pg.js'
import { getModel } from '../../schema/queries/index.js'

export class VersionWeights {
  private readonly cache = new Map<number, Map<string, Float32Array>>()
  /** version → its cohort_prompt_bos (null: the version has no config.json to say) */
  private readonly bos = new Map<number, boolean | null>()

  constructor(
    private readonly db: Db,
    private readonly store: ArtifactStore,
    private readonly config: ModelConfig,
    readonly capacity: number,
    private readonly lora?: LoraConfig,
  ) {}

  /** Weights of `version`, or null when no such version is published. */
  async get(version: number): Promise<Map<string, Float32Array> | null> {
    const hit = this.cache.get(version)
    if (hit) return hit
    const row = await getModel(this.db, version)
    if (!row) return null
    const file = this.lora ? ADAPTER_WEIGHTS : WEIGHTS_FILE
    const bytes = await this.store.read(row.artifactUri, file)
    const want = (row.files as FileTable)[file]?.sha256
    if (sha256Hex(bytes) !== want) throw new Error(`version ${version}: ${file} does not match its sha256`)
    const tensors = readSafetensors(bytes)
    const specs = this.lora ? loraSpecs(this.config, this.lora) : paramSpecs(this.config)
    const prefix = this.lora ? PEFT_PREFIX : ''
    const params = new Map(specs.map((s) => [s.name, Float32Array.from(toFloat32(tensors[prefix + s.name]))]))
    this.keep(version, params)
    return params
  }

  /** Remember weights just published (copied: the live ones keep changing), and the prompt BOS they were published with. */
  put(version: number, live: Map<string, Float32Array>, promptBos?: boolean): void {
    this.keep(version, new Map([...live].map(([k, v]) => [k, v.slice()])))
    if (promptBos !== undefined) this.bos.set(version, promptBos)
  }

  /**
   * Whether `version`'s workers prepend BOS to raw text prompts (its config.json cohort_prompt_bos), undefined when
   * no such version is published, null when its files hold no config.json (nothing to say).
   */
  async promptBos(version: number): Promise<boolean | null | undefined> {
    if (this.bos.has(version)) return this.bos.get(version)
    const row = await getModel(this.db, version)
    if (!row) return undefined
    const want = (row.files as FileTable)['config.json']?.sha256
    let v: boolean | null = null
    if (want) {
      const bytes = await this.store.read(row.artifactUri, 'config.json')
      if (sha256Hex(bytes) !== want) throw new Error(`version ${version}: config.json does not match its sha256`)
      v = promptBosOf(JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>)
    }
    this.bos.set(version, v)
    return v
  }

  private keep(version: number, params: Map<string, Float32Array>): void {
    this.cache.set(version, params)
    const old = [...this.cache.keys()].sort((a, b) => a - b)
    for (const v of old.slice(0, Math.max(0, old.length - this.capacity))) this.cache.delete(v)
  }
}
