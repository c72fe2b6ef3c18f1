/**
 * Python syntax check: web-tree-sitter with tree-sitter-python's grammar (both WebAssembly) plus the cheap checks
 * of python-indent.ts. tree-sitter recovers from errors, so a parse is "clean" when the tree has no ERROR or
 * MISSING node; Python 2 statements (`print x`, `exec code`), which the grammar accepts for compatibility, are
 * rejected, and so are a positional argument after a keyword argument, `return`/`yield` outside a function and
 * `break`/`continue` outside a loop. Known limits: other errors CPython's compiler raises after parsing (some
 * invalid assignment targets, duplicate argument names, `nonlocal` at module level) are not detected.
 *
 * Loading: in workerd the two .wasm files must be imported as compiled modules by the Worker entry and handed
 * over with `providePythonWasm` (runtime compilation from bytes is disallowed there); in Node the library finds
 * them itself on disk.
 */
import type { Node, Parser as TSParser } from 'web-tree-sitter'
import { pythonIndentError } from './python-indent.js'

export interface PythonWasm {
  /** web-tree-sitter/web-tree-sitter.wasm */
  runtime: WebAssembly.Module
  /** tree-sitter-python/tree-sitter-python.wasm */
  language: WebAssembly.Module
}

let provided: PythonWasm | null = null
let parser: Promise<TSParser> | null = null

/** Hand the precompiled WebAssembly modules to the Python checker (Workers entry points call this once). */
export function providePythonWasm(wasm: PythonWasm): void {
  provided = wasm
  parser = null
}

async function load(): Promise<TSParser> {
  const { Parser, Language } = await import('web-tree-sitter')
  let language
  if (provided) {
    const wasm = provided
    // Under nodejs_compat workerd has a `process` object, which web-tree-sitter's Emscripten glue takes for Node
    // (then it needs import.meta.url and fs). `process.type = 'renderer'` is the glue's own opt-out (Electron).
    const proc = (globalThis as { process?: { type?: string } }).process
    const hadType = proc !== undefined && 'type' in proc
    const oldType = proc?.type
    if (proc) proc.type = 'renderer'
    try {
      await Parser.init({
        instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
          void WebAssembly.instantiate(wasm.runtime, imports).then((inst) => done(inst, wasm.runtime))
          return {}
        },
      } as object)
    } finally {
      if (proc) {
        if (hadType) proc.type = oldType
        else delete proc.type
      }
    }
    language = Language.loadSync(wasm.language)
  } else if ((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) {
    await Parser.init()
    const url = new URL('../../node_modules/tree-sitter-python/tree-sitter-python.wasm', import.meta.url)
    language = await Language.load(decodeURIComponent(url.pathname))
  } else {
    throw new Error('python parser not available: call providePythonWasm() with the precompiled modules')
  }
  const p = new Parser()
  p.setLanguage(language)
  return p
}

const PY2 = new Set(['print_statement', 'exec_statement'])

/** A positional argument after a keyword argument in a call (`f(a=1, 2)`): CPython rejects it, tree-sitter not. */
function positionalAfterKeyword(args: Node): boolean {
  let keyword = false
  for (const a of args.namedChildren) {
    if (!a || a.type === 'comment') continue
    if (a.type === 'keyword_argument' || a.type === 'dictionary_splat') keyword = true
    else if (keyword && a.type !== 'list_splat') return true
  }
  return false
}

const LOOPS = new Set(['for_statement', 'while_statement'])
const SCOPES = new Set(['function_definition', 'class_definition', 'lambda'])

/** `return`/`yield` outside a function, `break`/`continue` outside a loop (CPython's compiler rejects them). */
function misplaced(node: Node): string | null {
  const t = node.type
  if (t !== 'return_statement' && t !== 'yield' && t !== 'break_statement' && t !== 'continue_statement') return null
  const wantLoop = t === 'break_statement' || t === 'continue_statement'
  for (let p = node.parent; p; p = p.parent) {
    if (wantLoop && LOOPS.has(p.type)) return null
    if (!wantLoop && p.type === 'function_definition') return null
    if (SCOPES.has(p.type)) break
  }
  return `'${t.replace('_statement', '')}' outside ${wantLoop ? 'loop' : 'function'}`
}

/** First node making the parse unclean (depth-first, iterative: deep trees cannot overflow the stack). */
function firstBadNode(root: Node): { node: Node; what: string } | null {
  const stack: Node[] = [root]
  while (stack.length) {
    const node = stack.pop()!
    if (node.type === 'ERROR') return { node, what: 'syntax error' }
    if (node.isMissing) return { node, what: `missing ${node.type}` }
    if (PY2.has(node.type)) return { node, what: `Python 2 ${node.type.replace('_statement', '')} statement` }
    if (node.type === 'argument_list' && positionalAfterKeyword(node))
      return { node, what: 'positional argument follows keyword argument' }
    const out = misplaced(node)
    if (out) return { node, what: out }
    for (let i = node.childCount - 1; i >= 0; i--) {
      const child = node.child(i)
      if (child) stack.push(child)
    }
  }
  return null
}

/** null when the code parses cleanly, else the reason. */
export async function pythonSyntaxError(code: string): Promise<string | null> {
  parser ??= load()
  const p = await parser
  const tree = p.parse(code)
  if (!tree) return 'python parser failed'
  try {
    const bad = firstBadNode(tree.rootNode)
    if (bad) return `line ${bad.node.startPosition.row + 1}: ${bad.what}`
  } finally {
    tree.delete()
  }
  return pythonIndentError(code)
}
