/** learner/lora — LoRA adapters: config and specs, PEFT init, merge, and PEFT's adapter folder. */
export { LORA_TARGETS, DEFAULT_LORA, resolveLora, loraScale, loraSpecs, initLora, mergeLora, targetModule, type LoraConfig, type LoraTarget } from './config.js'
export { savePeftAdapter, loadPeftAdapter, hasPeftAdapter, ADAPTER_CONFIG, ADAPTER_WEIGHTS, PEFT_PREFIX } from './peft.js'
