/**
 * Cheap Python checks that tree-sitter's error-tolerant grammar misses: indentation (the tokenizer's INDENT /
 * DEDENT rules: an indent only after a line ending in `:`, a dedent must return to an enclosing level, a block
 * header needs an indented body) and tabs mixed with spaces in one file's indentation (reported as an error,
 * stricter than CPython, which accepts consistent mixes: a lint-clean reward). Strings (including triple-quoted),
 * comments, brackets and backslash continuations are tracked so only logical-line starts count.
 */

/** Error message for the first indentation problem, or null. */
export function pythonIndentError(code: string): string | null {
  const lines = code.split('\n')
  const stack = [0]
  let depth = 0 // open brackets
  let triple: string | null = null // inside a triple-quoted string
  let continued = false // previous physical line ended with a backslash
  let expectIndent = false // previous logical line ended with ':'
  let usesTabs = false
  let usesSpaces = false
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '')
    const logicalStart: boolean = depth === 0 && triple === null && !continued
    const indentStr = /^[ \t]*/.exec(line)![0]
    const blank = line.trim() === '' || line.trim().startsWith('#')
    if (logicalStart && !blank) {
      if (indentStr.includes('\t')) usesTabs = true
      if (indentStr.includes(' ')) usesSpaces = true
      if (usesTabs && usesSpaces) return `line ${n + 1}: inconsistent use of tabs and spaces in indentation`
      const indent = indentStr.replace(/\t/g, '        ').length
      const top = stack[stack.length - 1]
      if (indent > top) {
        if (!expectIndent) return `line ${n + 1}: unexpected indent`
        stack.push(indent)
      } else {
        if (expectIndent) return `line ${n + 1}: expected an indented block`
        while (stack[stack.length - 1] > indent) stack.pop()
        if (stack[stack.length - 1] !== indent) return `line ${n + 1}: unindent does not match any outer indentation level`
      }
    }
    // Scan the line for strings, comments, brackets; find its last significant character.
    let last = ''
    continued = false
    let i: number = logicalStart ? indentStr.length : 0
    for (; i < line.length; i++) {
      const c: string = line[i]
      if (triple !== null) {
        if (c === '\\') i++
        else if (line.startsWith(triple, i)) {
          i += 2
          triple = null
          last = '"'
        }
        continue
      }
      if (c === '#') break
      if (c === '"' || c === "'") {
        if (line.startsWith(c.repeat(3), i)) {
          triple = c.repeat(3)
          i += 2
          continue
        }
        let j = i + 1
        while (j < line.length && line[j] !== c) j += line[j] === '\\' ? 2 : 1
        i = j
        last = c
        continue
      }
      if (c === '(' || c === '[' || c === '{') depth++
      else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1)
      if (c === '\\' && i === line.length - 1) continued = true
      else if (c !== ' ' && c !== '\t') last = c
    }
    if (logicalStart && blank) continue
    if (depth === 0 && triple === null && !continued && last !== '') expectIndent = last === ':'
  }
  if (expectIndent) return 'end of file: expected an indented block'
  return null
}
