/**
 * learner/demo — Cohort's main job (`npm start` → `cohort demo`): embedded database, edge, SFT cold start, then
 * learner + rollout workers in one process on a built-in arithmetic task (or a user's JSONL task), with
 * held-out accuracy per published version and a closing summary.
 *   const demo = await startDemo({ minutes: 3 }); console.log(demo.dashboard); const summary = await demo.done
 */
export { startDemo, DemoSetupError, MAX_DEMO_PROMPT_TOKENS, type DemoHandle, type DemoSummary } from './run.js'
export { DEFAULT_DEMO, demoDataDir, type DemoConfig } from './config.js'
export { arithmeticTask, evaluate, expressionCount, expressionsExcept, ARITH_VERIFIER, type ArithOptions, type TaskItem, type TaskSplit } from './arith.js'
export { loadTaskFile, parseTaskLines, parseVerifierOption, splitHeldOut } from './tasks-file.js'
export { sftColdStart, sftRow, validationSplit, type SftOptions, type SftResult } from './sft.js'
export { evaluateHeldOut, type EvalResult } from './eval.js'
export { VersionEvaluator } from './watch.js'
export { summaryTable } from './summary.js'
