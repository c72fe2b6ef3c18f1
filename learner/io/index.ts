/** Weight files: safetensors and Hugging Face checkpoint folders. */
export * from './safetensors.js'
export { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.js'
export { loadCheckpoint, paramsFromTensors, promptBosOf, saveCheckpoint, tokenizerOf, CHAT_TEMPLATE_FILE, initParams, WEIGHTS_FILE, INDEX_FILE, TOKENIZER_CONFIG, type Checkpoint, type SaveOptions } from './checkpoint.js'
export { readGenerationConfig, loadGenerationConfig, modelStopIds, GENERATION_CONFIG, type GenerationDefaults } from './generation-config.js'
