/**
 * startDemo's options for a short test run, so each demo test writes only what it is about.
 * Usage: `await startDemo(shortDemo(dir, { minutes: 0.3, sft: { steps: 200 }, learn: { publishEvery: 2 } }))`.
 */
import { DEFAULT_DEMO, type DemoConfig } from '../../learner/demo/index.js'

export type ShortDemo = Omit<Partial<DemoConfig>, 'sft' | 'learn'> & {
  /** over DEFAULT_DEMO.sft */
  sft?: Partial<DemoConfig['sft']>
  /** over DEFAULT_DEMO.learn (the demo's own when absent) */
  learn?: Partial<DemoConfig['learn']>
}

/**
 * A free port, no progress output, one worker and a small arithmetic task (sums of two operands up to 9: 60 to
 * train on, 10 held out and evaluated); `o` overrides any of it (an `arith` given replaces this one whole, as in
 * startDemo), with its `sft` and `learn` fields laid over DEFAULT_DEMO's.
 */
export function shortDemo(dataDir: string, o: ShortDemo = {}): Partial<DemoConfig> {
  const { sft, learn, ...rest } = o
  return {
    port: 0,
    dataDir,
    quiet: true,
    workers: 1,
    arith: { terms: 2, maxOperand: 9, ops: '+', train: 60, heldOut: 10 },
    evalPrompts: 10,
    ...rest,
    sft: { ...DEFAULT_DEMO.sft, ...sft },
    ...(learn && { learn: { ...DEFAULT_DEMO.learn, ...learn } }),
  }
}
