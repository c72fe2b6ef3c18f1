/** The uPlot the dashboard inlines is the installed one: after upgrading uplot, `npm run vendor:uplot`. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { VENDORED, vendoredUplot } from '../../tools/vendor-uplot.js'

describe('vendored uPlot', () => {
  it('edge/dashboard/vendor/uplot.ts matches node_modules/uplot', () => {
    expect(readFileSync(VENDORED, 'utf8')).toBe(vendoredUplot())
  })
})
