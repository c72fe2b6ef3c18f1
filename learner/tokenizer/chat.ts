/**
 * Chat prompts: a task's prompt text becomes messages (an optional system prompt, then the user turn), rendered
 * with the model's own chat template (tokenizer_config.json `chat_template`, Jinja) by @huggingface/jinja, the
 * implementation transformers.js uses for the same templates. The render gets what transformers'
 * apply_chat_template passes: messages, add_generation_prompt and the special-token strings (bos_token,
 * eos_token, …); raise_exception is the library's (its message comes back prefixed "chat template:"). It gets no `strftime_now`, so templates that print today's date (Llama
 * 3.x) use their built-in fallback date: a worker and the learner rendering on different days must produce the
 * same ids. The rendered text is encoded without adding specials (the template writes bos itself), as
 * apply_chat_template(tokenize=True) does.
 *
 * `promptIds` is THE prompt tokenization: rollout workers (OnnxGenerator) and the learner (service/batch.ts)
 * both call it, so a completion's log-probs are scored after exactly the prompt ids it was sampled after.
 */
import { Template } from '@huggingface/jinja'
import type { Tokenizer } from './types.js'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** A task's chat option: render prompts as chat messages (null / undefined: the prompt text as is). */
export interface ChatPrompt {
  /** system message placed before the user's prompt */
  system?: string
}

export interface RenderOptions {
  /** end with the assistant header so the model answers (default true) */
  addGenerationPrompt?: boolean
  /** extra template variables (e.g. Qwen3's enable_thinking) */
  variables?: Record<string, unknown>
}

const compiled = new Map<string, Template>()

/** The library defines strftime_now (today's date); this prelude makes it undefined, so a template's fixed fallback
 * date is used (`cohort_undefined` is never set). */
const PRELUDE = '{%- set strftime_now = cohort_undefined %}'

function template(source: string): Template {
  let t = compiled.get(source)
  if (!t) {
    t = new Template(PRELUDE + source)
    if (compiled.size > 16) compiled.clear()
    compiled.set(source, t)
  }
  return t
}

/** The messages of a prompt under a task's chat option. */
export function chatMessages(text: string, chat: ChatPrompt): ChatMessage[] {
  return chat.system !== undefined ? [{ role: 'system', content: chat.system }, { role: 'user', content: text }] : [{ role: 'user', content: text }]
}

/** Render messages with the tokenizer's chat template; throws when the tokenizer has none. */
export function applyChatTemplate(tok: Tokenizer, messages: ChatMessage[], o: RenderOptions = {}): string {
  if (!tok.chatTemplate) throw new Error('chat prompts need a chat template (tokenizer_config.json chat_template); this tokenizer has none')
  try {
    return template(tok.chatTemplate).render({ ...tok.specialTokens, ...o.variables, messages, add_generation_prompt: o.addGenerationPrompt ?? true })
  } catch (e) {
    throw new Error(`chat template: ${(e as Error).message}`)
  }
}

export interface PromptOptions {
  /** the task's chat option; null / undefined = raw text */
  chat?: ChatPrompt | null
  /** raw text prompts only: prepend the tokenizer's BOS */
  addBos?: boolean
}

/** Token ids of a prompt as both the workers and the learner see it. */
export function promptIds(tok: Tokenizer, text: string, o: PromptOptions = {}): number[] {
  if (o.chat) return tok.encode(applyChatTemplate(tok, chatMessages(text, o.chat)))
  const ids = tok.encode(text)
  if (o.addBos && tok.bos !== undefined) ids.unshift(tok.bos)
  return ids
}
