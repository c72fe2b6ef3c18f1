/**
 * A small parser for the everyday subset of LaTeX answers (numbers, single-letter and subscripted variables, + − ×
 * ÷ ·, powers, implicit products, `\frac`, `\sqrt`, `\pi`, `e`, elementary functions with a parenthesised
 * argument) into the float evaluator's MathJSON-like trees (evaluate.ts). The CAS's own LaTeX parser costs about a
 * millisecond per answer; this one microseconds, so most symbolic comparisons never load or call it. Anything
 * outside the subset — or any reading that could be ambiguous (`1/2x`, `\sin 2x`, `i`, `|x|`, `!`) — returns
 * null and the caller falls back to the CAS, which decides exactly as before.
 */
type Node = number | string | Node[]

const FUNCS = new Set(['sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh', 'ln', 'exp'])
const GREEK = new Set(
  'alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta kappa lambda mu nu xi rho sigma tau phi varphi chi psi omega'.split(' '),
)

class Bail extends Error {}

/** Parse `s`, or null when it is outside the subset. */
export function fastParse(s: string): Node | null {
  let i = 0
  const n = s.length
  const bail = (): never => {
    throw new Bail()
  }
  const ws = () => {
    while (i < n && s[i] === ' ') i++
  }
  const peek = () => {
    ws()
    return s[i]
  }
  const command = (): string | null => {
    ws()
    const m = /^\\([a-zA-Z]+)/.exec(s.slice(i, i + 24))
    return m ? m[1] : null
  }
  const group = (): Node => {
    if (peek() !== '{') bail()
    i++
    const e = expr()
    if (peek() !== '}') bail()
    i++
    return e
  }
  // `\frac12`-style single-token arguments are normalised before this runs; here a group or one digit/letter.
  const arg = (): Node => {
    const c = peek()
    if (c === '{') return group()
    if (c !== undefined && /[0-9a-zA-Z]/.test(c)) {
      i++
      return /[0-9]/.test(c) ? Number(c) : c
    }
    return bail()
  }
  const subscript = (name: string): string => {
    if (s[i] !== '_') return name
    i++
    const m = /^(?:\{([a-zA-Z0-9]+)\}|([a-zA-Z0-9]))/.exec(s.slice(i))
    if (!m) bail()
    i += m![0].length
    return `${name}_${m![1] ?? m![2]}`
  }
  const primary = (): Node => {
    const c = peek()
    if (c === undefined) return bail()
    if (/[0-9.]/.test(c)) {
      const m = /^(?:\d+(?:\.\d+)?|\.\d+)/.exec(s.slice(i))
      if (!m) bail()
      i += m![0].length
      if (s[i] === '_' || s[i] === '.') bail() // base-n numbers, malformed decimals
      return Number(m![0])
    }
    if (c === '(' || c === '[') {
      i++
      const e = expr()
      if (peek() !== (c === '(' ? ')' : ']')) bail()
      i++
      return e
    }
    if (c === '{') return group()
    if (/[a-zA-Z]/.test(c)) {
      i++
      if (c === 'i' || c === 'I') bail() // the imaginary unit, or a variable: the CAS decides
      if (c === 'e' && s[i] !== '_') return 'ExponentialE'
      return subscript(c)
    }
    if (c === '\\') {
      const cmd = command() ?? bail()
      i += cmd.length + 1
      if (cmd === 'frac') {
        const a = arg()
        const b = arg()
        return ['Divide', a, b]
      }
      if (cmd === 'sqrt') {
        if (peek() === '[') {
          i++
          const k = expr()
          if (peek() !== ']') bail()
          i++
          return ['Root', arg(), k]
        }
        return ['Sqrt', arg()]
      }
      if (cmd === 'pi') return 'Pi'
      if (GREEK.has(cmd)) return subscript(`\\${cmd}`)
      if (FUNCS.has(cmd)) {
        let power: Node | null = null
        if (peek() === '^') {
          i++
          power = arg()
        }
        // `\sin(x)`, `\sin x` (one symbol, then the end or + − ) }); `\sin 2x` is ambiguous: the CAS reads it.
        let a: Node
        if (peek() === '(') a = primary()
        else if (/^(?:[a-zA-Z](?:_\{?[a-zA-Z0-9]+\}?)?|\\pi|\\theta|\\alpha|\\beta)\s*(?:$|[-+)}]|\\cdot)/.test(s.slice(i).trimStart())) a = primary()
        else return bail()
        const name = cmd === 'ln' ? 'Ln' : cmd === 'exp' ? 'Exp' : cmd[0].toUpperCase() + cmd.slice(1)
        return power === null ? [name, a] : ['Power', [name, a], power]
      }
      return bail()
    }
    return bail()
  }
  const factor = (): Node => {
    const base = primary()
    if (peek() === '^') {
      i++
      return ['Power', base, arg()] // `x^23` is x²·3 in LaTeX: one token unless braced
    }
    return base
  }
  const term = (): Node => {
    let left = factor()
    let divided = false
    for (;;) {
      const c = peek()
      const cmd = c === '\\' ? command() : null
      if (c === '*' || cmd === 'cdot' || cmd === 'times') {
        i += c === '*' ? 1 : cmd!.length + 1
        left = ['Multiply', left, factor()]
      } else if (c === '/' || cmd === 'div') {
        i += c === '/' ? 1 : 4
        left = ['Divide', left, factor()]
        divided = true
      } else if (c !== undefined && (/[0-9a-zA-Z.({[]/.test(c) || (c === '\\' && cmd !== null && !['cdot', 'times', 'div'].includes(cmd)))) {
        if (divided) bail() // `1/2x`: (1/2)x or 1/(2x)? the CAS decides
        if (typeof left === 'number' && cmd === 'frac') bail() // `2\frac{1}{2}`: a mixed number to some readers
        if (/[0-9.]/.test(c) && !/[)}\]]$/.test(s.slice(0, i).trimEnd())) bail() // `2 3`: not a product
        left = ['Multiply', left, factor()]
      } else return left
    }
  }
  const expr = (): Node => {
    let sign = 1
    while (peek() === '-' || peek() === '+') {
      if (s[i] === '-') sign = -sign
      i++
    }
    let left: Node = term()
    if (sign < 0) left = ['Negate', left]
    for (;;) {
      const c = peek()
      if (c !== '+' && c !== '-') return left
      i++
      if (peek() === '+' || peek() === '-') bail()
      left = [c === '+' ? 'Add' : 'Subtract', left, term()]
    }
  }
  try {
    const e = expr()
    ws()
    return i === n ? e : null
  } catch (err) {
    if (err instanceof Bail) return null
    throw err
  }
}

/** Free variables of a parsed tree, sorted. */
export function variables(e: Node, out = new Set<string>()): string[] {
  if (typeof e === 'string' && e !== 'Pi' && e !== 'ExponentialE') out.add(e)
  else if (Array.isArray(e)) for (const x of e.slice(1)) variables(x, out)
  return [...out].sort()
}
