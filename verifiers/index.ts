/**
 * The verifier library: the edge (group submission, /v1/verify) and the learner's demo score answers through this
 * module only. A verifier spec is JSON (stored on a task), parsed with `verifierSpec`; `verifyGroup(spec, input,
 * ctx?)` scores a group of completions. One file (or folder) per verifier type; `registry.ts` maps type → scorer;
 * `limits.ts` holds every size/time limit. Runs in Node and in workerd (no eval, no Node built-ins, lazy CAS).
 */
export type { VerifyInput, CompletionVerdict, GroupVerdict, VerifyContext, Rating } from './types.js'
export { verifierSpec, weightedSpec, type VerifierSpec, type VerifierSpecInput, type VerifierType, type WeightedSpec } from './spec.js'
export { verifyGroup, groupStatus } from './verify.js'
export { LIMITS, DEFAULT_GROUP_TIMEOUT_MS } from './limits.js'
export { exactSpec, normalizeText } from './exact.js'
export { mathSpec, mathEqual, extractAnswer, normalizeAnswer, referenceAnswer, type Equivalence } from './math/index.js'
export { regexSpec, analyzeRegex, regexWindow } from './regex.js'
export { choiceSpec, extractChoice } from './choice.js'
export { numericSpec } from './numeric.js'
export { formatSpec, formatScore } from './format.js'
export { jsonSchemaSpec } from './json-schema.js'
export { codeSyntaxSpec, syntaxError, providePythonWasm, type PythonWasm } from './code-syntax/index.js'
export {
  codeTestsSpec,
  extractCode,
  outputDiff,
  parseTestsReference,
  provideQuickJSWasm,
  provideSandbox,
  runJavaScriptTest,
  SandboxBusyError,
  OUTPUT_CHARS,
  MAX_TESTS,
  type CodeSandbox,
  type SandboxLimits,
  type SandboxSession,
  type TestInput,
  type TestOutcome,
  type TestsReference,
} from './code-tests/index.js'
export { languageSpec, scriptFraction, LANGUAGE_SCRIPTS } from './language.js'
export { lengthSpec, overlongPenalty } from './length.js'
export { httpSpec, signBody, verifySignature } from './http.js'
export { humanSpec, aggregateRatings, type RatingAggregate } from './human.js'
export { partNames } from './weighted.js'
export { NEEDS, specNeeds, promptProblem, unscorablePrompts, type VerifierNeeds } from './needs.js'
