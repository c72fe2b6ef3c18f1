/** Weight files: safetensors and Hugging Face checkpoint folders. */
export * from './safetensors.js'
export { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.js'
export { loadCheckpoint, saveCheckpoint, initParams, WEIGHTS_FILE, INDEX_FILE, type Checkpoint, type SaveOptions } from './checkpoint.js'
