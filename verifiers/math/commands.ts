/**
 * LaTeX commands the CAS may see. Big operators and calculus (`\sum`, `\prod`, `\int`, `\lim`, …) are left out:
 * the engine evaluates them by iteration (`\prod_{k=1}^{100000} k` took 12 s), so an answer using them never
 * reaches the CAS: a sum or product compares by its bounds and its term (compare.ts).
 */
export const CAS_COMMANDS = new Set(
  (
    'frac sqrt pi cdot times div pm mp infty sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh ln log exp ' +
    'alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho sigma tau ' +
    'upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega le ge lt gt ne neq cup cap ' +
    'arsinh arcosh artanh arcsinh arccosh arctanh csch sech coth det ' +
    'emptyset varnothing circ lfloor rfloor lceil rceil vert mid ldots cdots dots binom'
  ).split(' '),
)

/** Big operators an answer may hold: compared by their bounds and terms (compare.ts), never by the CAS. */
export const BIG_OPERATORS = new Set(['sum', 'prod'])

const BIG_OPERATOR = new RegExp(`\\\\(?:${[...BIG_OPERATORS].join('|')})(?![a-zA-Z])`)

/** Whether `s` holds a big operator (`\sum`, `\prod`; not `\summary`). */
export function hasBigOperator(s: string): boolean {
  return BIG_OPERATOR.test(s)
}
