/**
 * The in-process JavaScript sandbox: QuickJS in WebAssembly (quickjs.mjs), the default for `language:
 * javascript` where no other sandbox is registered — in workerd. Tests run one at a time (QuickJS is
 * synchronous). Node entry points register the process pool instead (sandbox/), which adds a hard kill.
 */
import { runJavaScriptTest } from './quickjs.mjs'
import type { CodeSandbox } from './sandbox.js'

export { provideQuickJSWasm, runJavaScriptTest, STACK_BYTES, POLLS_PER_MS } from './quickjs.mjs'

export const javascriptSandbox: CodeSandbox = {
  async open(limits) {
    return { run: (code, test) => runJavaScriptTest(code, test, limits), close() {} }
  },
}
