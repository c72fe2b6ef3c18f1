/**
 * The tokenizer seam: what the learner, the sampler and the rollout worker need from a tokenizer.
 * `encode` never adds special tokens (callers prepend `bos` themselves when the model wants one);
 * `decode` drops special tokens (pad/bos/eos and other specials), so verifiers see only the text.
 */
export interface Tokenizer {
  encode(text: string): number[]
  decode(ids: readonly number[]): string
  /** end-of-sequence id: generation stops here. */
  eos: number
  /** beginning-of-sequence id, when the model uses one. */
  bos?: number
  /** padding id (never attended to, never trained on). */
  pad: number
  /** number of ids (the model's vocab_size must be at least this). */
  vocabSize: number
  /** tokenizer.json text for checkpoint folders (absent for the built-in byte tokenizer). */
  json?: string
  /** Jinja chat template (tokenizer_config.json chat_template), rendered by chat.ts */
  chatTemplate?: string
  /** special-token strings the template may use: bos_token, eos_token, pad_token, unk_token */
  specialTokens?: Record<string, string>
  /** tokenizer_config.json as read (written back with checkpoints so a published folder tokenizes the same) */
  tokenizerConfig?: Record<string, unknown>
}
