/** Sampling: seeded RNG and token sampling with the log-prob convention (see sample.ts's header). */
export { createRng, shuffleInPlace, shuffledCycle, type Rng } from './rng.js'
export { sampleToken, sampleProbs, sampleBatch, tokenLogprob, checkSampleOptions, MIN_TEMPERATURE, type SampleOptions, type Sampled } from './sample.js'
