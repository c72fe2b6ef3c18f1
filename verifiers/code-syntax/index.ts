/**
 * `code-syntax`: does the answer's code parse? The "compiles / lint clean" reward, without running anything.
 * The code is the last fenced block (of the language, or unlabelled), else the whole completion (`source`).
 *   javascript / typescript  @babel/parser (typescript plugin for TS); strict: no error recovery
 *   json                     JSON.parse with size and nesting limits
 *   python                   tree-sitter-python + indentation / tab / Python 2 checks (see python.ts for limits)
 */
import { parse as babelParse } from '@babel/parser'
import { z } from 'zod'
import { lastFence, parseJsonBounded } from '../json.js'
import { eachCompletionAsync, LIMITS, zero } from '../limits.js'
import type { VerifierDef } from '../types.js'
import { pythonSyntaxError } from './python.js'

export { providePythonWasm, pythonSyntaxError, type PythonWasm } from './python.js'
export { pythonIndentError } from './python-indent.js'

const FENCE_NAMES: Record<CodeLanguage, string[]> = {
  javascript: ['javascript', 'js', 'mjs', 'jsx'],
  typescript: ['typescript', 'ts', 'tsx'],
  python: ['python', 'py', 'python3'],
  json: ['json', 'jsonc'],
}

export const codeSyntaxSpec = z
  .object({
    type: z.literal('code-syntax'),
    language: z.enum(['javascript', 'typescript', 'python', 'json']),
    /** fenced: the last fenced block must exist; raw: the whole completion; auto: fenced if present, else raw. */
    source: z.enum(['auto', 'fenced', 'raw']).default('auto'),
  })
  .strict()
export type CodeSyntaxSpec = z.infer<typeof codeSyntaxSpec>
export type CodeLanguage = CodeSyntaxSpec['language']

/** null when `code` parses in `language`, else the reason. */
export async function syntaxError(code: string, language: CodeLanguage): Promise<string | null> {
  if (code.length > LIMITS.codeChars) return `code longer than ${LIMITS.codeChars} characters`
  if (language === 'json') {
    const r = parseJsonBounded(code)
    return r.ok ? null : r.reason
  }
  if (language === 'python') return pythonSyntaxError(code)
  try {
    babelParse(code, {
      sourceType: 'unambiguous',
      errorRecovery: false,
      plugins: language === 'typescript' ? ['typescript'] : ['jsx'],
    })
    return null
  } catch (e) {
    return (e as Error).message
  }
}

export const codeSyntax: VerifierDef<CodeSyntaxSpec> = {
  score(spec, input, ctx) {
    return eachCompletionAsync(input.completions, ctx, async (c) => {
      const fence = spec.source === 'raw' ? null : lastFence(c, FENCE_NAMES[spec.language])
      if (spec.source === 'fenced' && !fence) return zero('no fenced code block')
      const code = fence ? fence.body : c
      if (code.trim() === '') return zero('empty code')
      const err = await syntaxError(code, spec.language)
      return err ? zero(err) : { reward: 1, status: 'ok', reason: 'parses' }
    })
  },
}
