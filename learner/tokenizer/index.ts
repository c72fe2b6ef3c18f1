/** Tokenizers: the seam, the built-in byte tokenizer, Hugging Face tokenizer.json, chat templates and promptIds. */
export type { Tokenizer } from './types.js'
export { byteTokenizer, BYTE_PAD, BYTE_BOS, BYTE_EOS, BYTE_VOCAB_SIZE } from './bytes.js'
export { hfTokenizer, type SpecialIds } from './hf.js'
export { applyChatTemplate, chatMessages, promptIds, type ChatMessage, type ChatPrompt, type PromptOptions, type RenderOptions } from './chat.js'
