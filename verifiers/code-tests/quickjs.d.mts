/** Types of quickjs.mjs (plain JavaScript so sandbox child processes can load it without a TypeScript loader). */
import type { SandboxLimits, TestInput, TestOutcome } from './sandbox.js'
export declare const STACK_BYTES: number
export declare const POLLS_PER_MS: number
export declare const RECYCLE_BYTES: number
export declare function provideQuickJSWasm(module: WebAssembly.Module): void
export declare function runJavaScriptTest(code: string, test: TestInput, limits: SandboxLimits): Promise<TestOutcome>
