/**
 * The third-party math corpus (test/fixtures/verifiers/third-party): cases from Math-Verify's, TRL's, open-r1's,
 * MARIO_EVAL's, hendrycks MATH's, NeMo-Skills', Qwen2.5-Math's, MindSpeed-RL's, AReaL's, slime's, lm-eval's, verl's,
 * lighteval's, OpenCompass', SkyRL's, NeMo-RL's, DART-Math's, tinker-cookbook's, Trinity-RFT's, rLLM's, simple-evals',
 * pie-framework/math-validation's, open-instruct's, RM-Gallery's, Prime Intellect verifiers', AISBench's, wisent's,
 * TensorRT-LLM's, antirez/ds4's, evalscope's, SymPy's and latex2sympy2_extended's LaTeX parsers', OpenRLHF's, the STACK assessment system's Fireworks' reward-kit's and Khan Academy's KAS' public tests, graders' issue trackers
 * and model-style GSM8K answers, run through the full `math` verifier as `POST /v1/verify` runs it. Each source
 * family must agree with its source's verdicts (or with the corpus' recorded verdict where it says why it does not
 * follow the source) on the tuning half and on the held-out half, and no wrong answer may score 1 in any family.
 */
import { describe, expect, it } from 'vitest'
import { FOLLOW_MATH_VERIFY, MATH_VERIFY_QUIRKS, SOURCE_QUIRKS, loadThirdParty, runCase, score, type CaseResult, type Half } from '../fixtures/verifiers/third-party/index.js'

/** Agreement each family must reach on each half (the bar). */
const FLOOR: Record<Half, Record<string, number>> = {
  tune: {
    ...{ 'math-verify': 0.98, trl: 0.98, 'open-r1': 0.98, 'mario-eval': 0.98, 'hendrycks-math': 0.98, gsm8k: 0.98 },
    ...{ 'nemo-skills': 1, 'qwen2.5-math': 1, 'mindspeed-rl': 1, areal: 1, slime: 1, 'lm-eval-harness': 1, verl: 1 },
    // Added 2026-12-03 and measured before any change: lighteval 9/17 (its multilingual prose; 12/17 once non-Latin prose is prose; 13/17 with 答案：), the rest all.
    // 15/17 once a one-letter \text after a value is a unit (2026-12-03, third session).
    // grader-issues: three cases of lmms-eval issue 1511 (a retracted box) added in the fourth session, measured 2/2 before any change.
    // grader-issues: Math-Verify issue 14's four unequal pairs the corpus lacked, added in the tenth session: 1/1 before any change (11/11).
    ...{ lighteval: 0.85, opencompass: 1, skyrl: 1, 'grader-issues': 1, 'nemo-rl': 1 },
    // Added 2026-12-03 (second session), measured before any change: dart-math 11/15, tinker-cookbook 7/8, trinity-rft 13/14, rllm 13/13,
    // simple-evals 5/5; all once words, truth values, a nested ±, operand boxes, `####:` and 答案是 were read.
    ...{ 'dart-math': 1, 'tinker-cookbook': 1, 'trinity-rft': 1, rllm: 1, 'simple-evals': 1 },
    // Added the same session, measured before any change: pie-math-validation 58/73; 73/73 once a spelled-out unit after a
    // variable, `c-by`, `sin(x)` and a computation on numbers (`72\div12=6`) were read.
    'pie-math-validation': 1,
    // Added 2026-12-03 (third session), measured before any change: ais-bench 10/11 (11/11 once `infinity` is ∞),
    // open-instruct 7/7, prime-verifiers 1/1, rm-gallery 1/1, wisent 5/5.
    ...{ 'ais-bench': 1, 'open-instruct': 1, 'prime-verifiers': 1, 'rm-gallery': 1, wisent: 1 },
    // Added 2026-12-03 (fourth session), measured before any change: tensorrt-llm 8/8, ds4-eval 7/7.
    ...{ 'tensorrt-llm': 1, 'ds4-eval': 1 },
    // Added 2026-12-04 (eighth session), measured before any change: evalscope 40/51 (1 FP) as first transcribed, 41/51 (0 FP)
    // once chartqa's tolerance (within 5% of the reference) was written as an absolute 5% of it, not a symmetric relative one.
    // 44/51 once a difference exactly at an absolute tolerance is within it (float rounding aside); 45/51 once a trailing
    // `\mathrm{A}` after a value is a unit as `\text{A}` is; 46/51 once a text of LaTeX spans and commas is one list; 48/51
    // once a unit per a unit (`kg/m^3`) is a unit. (Held-out 52/54 from the tolerance fix on.)
    evalscope: 0.94,
    // Added 2026-12-04 (ninth session), measured before any change: sympy-latex 36/58 (0 FP), openrlhf 3/3.
    // sympy-latex 39/58 once LaTeX's named spaces (`\thickspace`, `\negmedspace`, …) are spaces; 44/58 once plain function
    // names and Greek letters (`sin(theta)`, `exp(x)`, `asin(a)`, `2*pi`) are read (plain `sqrt(…)` as `\sqrt{…}` was
    // tried too: 46/58, but it cost a held-out false positive in another family and was dropped); 45/58 once a superscript
    // takes a whole plain bracket or fraction (`x^(1/3)`, `x^\frac{1}{2}`); 46/58 once a plain Greek letter inside an answer
    // (`4*sin(theta)`) is no prose word; 50/58 once `\det` of a numeric matrix reaches the CAS.
    ...{ 'sympy-latex': 0.86, openrlhf: 1 },
    // Added 2026-12-04 (ninth session), measured before any change: stack 59/93 (0 FP); 60/93 once polynomials and rational
    // functions compare exactly at the sample points; 64/93 once plain `abs(x)` is |x|; 66/93 once an inequality between
    // expressions (`a < b`, `3x^2 < 9a`) compares up to a positive factor; 69/93 once a list of assignments against an
    // equation is the equation ∏(lhs − rhs) = 0; 71/93 once up to eight variables are sampled in the fast subset; 72/93
    // once csch/sech/coth and the British cosec/cosech are read. (Two of its rows, a solution list against the unsolved
    // equation, are held to 0 since the ninth session's lead rule: index.ts SOURCE_QUIRKS.)
    stack: 0.77,
    // Added 2026-12-04 (ninth session), measured before any change: latex2sympy2-extended 16/26 (0 FP); 17/26 once a plain
    // Greek letter inside an answer is no prose word; 25/26 once inverse hyperbolic functions (`asinh`, `\arcsinh`, `\arsinh`)
    // and `\operatorname{…}` of a known function are read.
    'latex2sympy2-extended': 0.96,
    // Added 2026-12-04 (tenth session), measured before any change: reward-kit 22/23 (0 FP; `6.022e23` in prose unread);
    // 23/23 once a number in E notation in prose is read whole.
    'reward-kit': 1,
    // Added 2026-12-04 (tenth session), measured before any change: kas 54/68 (0 FP); 59/68 once a plain function after a
    // space (`csc x`) or with a power before its bracket (`sin^2(x)`) is read; 60/68 once `y = x` and `x = y` are one equation;
    // 63/68 once a sine, cosine or tangent at a multiple of π is exactly 0.
    kas: 0.92,
  },
  heldout: {
    ...{ 'math-verify': 0.98, trl: 0.98, 'open-r1': 0.98, 'mario-eval': 0.98, 'hendrycks-math': 0.98, gsm8k: 0.98 },
    ...{ 'nemo-skills': 1, 'qwen2.5-math': 1, 'mindspeed-rl': 1, areal: 1, slime: 1, 'lm-eval-harness': 1, verl: 1 },
    // Added 2026-12-03, measured before any change: lighteval 13/22 (21/22 once non-Latin prose is prose), the rest all.
    // grader-issues: one case of lmms-eval issue 1511 added in the fourth session, measured 1/1 before any change.
    // grader-issues: Math-Verify issue 14's pairs added in the tenth session, measured 3/3 (0 FP) before any change (12/12).
    ...{ lighteval: 0.95, opencompass: 1, skyrl: 1, 'grader-issues': 1, 'nemo-rl': 1 },
    // Added 2026-12-03 (second session), measured before any change: dart-math 19/21, tinker-cookbook 9/9, trinity-rft 12/12, rllm 11/11, simple-evals 2/2.
    ...{ 'dart-math': 0.9, 'tinker-cookbook': 1, 'trinity-rft': 1, rllm: 1, 'simple-evals': 1 },
    // Added the same session, measured before any change: pie-math-validation 49/60 (58/60 after the tune half's fixes; 59/60
    // after the ninth session's superscript fix).
    'pie-math-validation': 0.95,
    // Added the same session, measured before any change: ais-bench 8/9 (`\overline{AB}` for AB), open-instruct 7/7,
    // prime-verifiers 8/8, rm-gallery 5/5, wisent 6/6.
    ...{ 'ais-bench': 0.85, 'open-instruct': 1, 'prime-verifiers': 1, 'rm-gallery': 1, wisent: 1 },
    // Added 2026-12-03 (fourth session), measured before any change: tensorrt-llm 7/7, ds4-eval 5/5.
    ...{ 'tensorrt-llm': 1, 'ds4-eval': 1 },
    // Added 2026-12-04 (eighth session), measured before any change: evalscope 51/56 (2 FP) as first transcribed; 51/54 (0 FP)
    // without the two percent pairs evalscope's graders score both ways (`10` vs `10%`, `10%` vs `10.0`; index.ts).
    // 52/54 after the tune half's tolerance fix.
    evalscope: 0.96,
    // Added 2026-12-04 (ninth session), measured before any change: sympy-latex 33/57 (0 FP), openrlhf 5/5.
    // sympy-latex 36/57 after the tune half's named-space fix, 39/57 after its plain-notation fix, 42/57 after its
    // superscript fix.
    ...{ 'sympy-latex': 0.73, openrlhf: 1 },
    // Added 2026-12-04 (ninth session), measured before any change: stack 54/87 (3 FP) as first transcribed; 54/84 (0 FP)
    // without the three rows that rest on STACK conventions (index.ts); 55/84 after the tune half's list-of-assignments fix,
    // 56/84 after its cosech fix; 55/84 once a solution reference against its unsolved equation scores 0 (the lead's rule
    // against rewarding a restated equation; STACK's AlgEquiv counts an equation equal to its solution set).
    stack: 0.65,
    // Added 2026-12-04 (ninth session), measured before any change: latex2sympy2-extended 20/27 (0 FP); 27/27 after the
    // tune half's inverse-hyperbolic fix.
    'latex2sympy2-extended': 1,
    // Added 2026-12-04 (tenth session), measured before any change: reward-kit 18/18 (0 FP).
    'reward-kit': 1,
    // Added 2026-12-04 (tenth session), measured before any change: kas 44/58 (0 FP); 47/58 after the tune half's
    // plain-function fix, 48/58 after its multiple-of-π fix.
    kas: 0.82,
  },
}

const line = (r: CaseResult) => `${r.c.family} ${r.c.id}: want ${r.want} got ${r.got} (${r.detail.extracted ?? '-'}: ${r.detail.reason})`

describe('third-party math corpus', () => {
  it('holds both halves, every family in each, with origins', () => {
    for (const half of ['tune', 'heldout'] as const) {
      const rows = loadThirdParty(half)
      expect(rows.length).toBeGreaterThan(200)
      expect(new Set(rows.map((r) => r.family))).toEqual(new Set(Object.keys(FLOOR[half])))
      for (const r of rows) expect(r.origin.length).toBeGreaterThan(10)
    }
    const ids = [...loadThirdParty('tune'), ...loadThirdParty('heldout')].map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(Object.keys(FOLLOW_MATH_VERIFY).length).toBeLessThanOrEqual(5)
    expect(Object.keys(MATH_VERIFY_QUIRKS).length).toBeLessThanOrEqual(3)
    expect(Object.keys(SOURCE_QUIRKS).length).toBeLessThanOrEqual(7)
    for (const id of Object.keys(SOURCE_QUIRKS)) expect(ids).toContain(id)
  })

  for (const half of ['tune', 'heldout'] as const)
    it(`agrees per family on the ${half} half, with no false positive in any family`, async () => {
      const results: CaseResult[] = []
      for (const c of loadThirdParty(half)) results.push(await runCase(c))
      const fams = score(results)
      const report = fams.map((f) => `${f.family} ${f.agree}/${f.cases} (${f.falsePositives} FP)`).join(', ')
      console.log(`third-party ${half}: ${report}`)
      for (const f of fams) expect(f.agree / f.cases, `${f.family}: ${report}`).toBeGreaterThanOrEqual(FLOOR[half][f.family])
      const fp = results.filter((r) => r.want === 0 && r.got === 1).map(line)
      expect(fp).toEqual([])
    }, 120_000)
})
