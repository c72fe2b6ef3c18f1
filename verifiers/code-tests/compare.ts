/**
 * Output comparison of stdin/stdout tests: trailing whitespace of every line is ignored, and so are trailing empty
 * lines (what APPS / CodeContests judges accept); everything else must match exactly. `outputDiff` names the first
 * differing line with both sides, shortened, for the verdict's reason.
 */

const lines = (s: string) => {
  const out = s.replace(/\r\n?/g, '\n').split('\n').map((l) => l.replace(/\s+$/, ''))
  while (out.length && out[out.length - 1] === '') out.pop()
  return out
}

const clip = (s: string, n = 60) => JSON.stringify(s.length > n ? s.slice(0, n) + '…' : s)

/** null when `actual` matches `expected`, else a short description of the first difference. */
export function outputDiff(expected: string, actual: string): string | null {
  const want = lines(expected)
  const got = lines(actual)
  const n = Math.max(want.length, got.length)
  for (let i = 0; i < n; i++) {
    if (want[i] === got[i]) continue
    if (i >= got.length) return `output ends at line ${i + 1}; expected ${clip(want[i])}`
    if (i >= want.length) return `extra output at line ${i + 1}: ${clip(got[i])}`
    return `line ${i + 1}: expected ${clip(want[i])}, got ${clip(got[i])}`
  }
  return null
}
