/** Optimizer: fused AdamW, gradient-norm clipping, learning-rate schedules, state (de)serialisation. */
export { AdamW, type AdamWOptions, type AdamWStepResult } from './adamw.js'
export { globalGradNorm, clipScale } from './gradnorm.js'
export { lrAt, checkSchedule, type LrSchedule } from './schedule.js'
export { saveAdamWState, loadAdamWState } from './state.js'
