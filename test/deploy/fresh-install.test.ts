/**
 * Two commands on a fresh clone: `npm start` and `npm test` install from the lockfile first when node_modules is
 * missing or older than package-lock.json (tools/ensure-install.mjs as their npm pre-scripts), with one line saying
 * why, and skip it otherwise. Exercised with the real npm on a scratch project (one local file: dependency, so npm ci
 * runs offline) that carries the very script and hooks of this repository; the README's quick start is the two
 * commands. (Before: the quick start needed `npm ci` first; `npm start` on a clone failed with "tsx: not found".)
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from './dockerfile.js'

const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
const dir = mkdtempSync(join(tmpdir(), 'cohort-clone-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const npm = (script: string) => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k] // a user's shell, not this npm run
  const r = spawnSync('npm', [script], { cwd: dir, env, encoding: 'utf8' })
  return { status: r.status, out: r.stdout + r.stderr }
}

describe('fresh clone: npm start / npm test install first', () => {
  it('the repository hooks start and test to tools/ensure-install.mjs; the README quick start is those two commands', () => {
    expect(ours.scripts.prestart).toBe('node tools/ensure-install.mjs')
    expect(ours.scripts.pretest).toBe('node tools/ensure-install.mjs')
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const quick = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]
    expect(quick.split('\n').filter((l) => l.trim()).map((l) => l.split('#')[0].trim())).toEqual(['npm start', 'npm test'])
  })

  it('installs when node_modules is missing or stale, once, then runs the script', () => {
    mkdirSync(join(dir, 'tools'))
    copyFileSync(join(ROOT, 'tools/ensure-install.mjs'), join(dir, 'tools/ensure-install.mjs'))
    mkdirSync(join(dir, 'dep'))
    writeFileSync(join(dir, 'dep/package.json'), JSON.stringify({ name: 'dep', version: '1.0.0', main: 'index.js' }))
    writeFileSync(join(dir, 'dep/index.js'), 'module.exports = "dep loaded"\n')
    const scripts = { prestart: ours.scripts.prestart, start: 'node -e "console.log(require(\'dep\'))"', pretest: ours.scripts.pretest, test: 'node -e "console.log(\'tests ran\')"' }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'clone', version: '0.0.0', private: true, scripts, dependencies: { dep: 'file:dep' } }))
    // the lockfile a clone ships with
    const lock = spawnSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' })
    expect(lock.status, lock.stderr).toBe(0)
    expect(existsSync(join(dir, 'node_modules'))).toBe(false)

    const first = npm('start')
    expect(first.status, first.out).toBe(0)
    expect(first.out).toMatch(/cohort: no node_modules: installing from the lockfile \(npm ci\) first/)
    expect(first.out).toMatch(/dep loaded/)

    const again = npm('test')
    expect(again.status, again.out).toBe(0)
    expect(again.out).not.toMatch(/installing from the lockfile/)
    expect(again.out).toMatch(/tests ran/)

    // a pull brought a lockfile newer than the install
    const later = new Date(statSync(join(dir, 'node_modules/.package-lock.json')).mtimeMs + 1000)
    utimesSync(join(dir, 'package-lock.json'), later, later)
    const stale = npm('test')
    expect(stale.status, stale.out).toBe(0)
    expect(stale.out).toMatch(/cohort: node_modules is older than package-lock.json: installing from the lockfile/)
    expect(stale.out).toMatch(/tests ran/)
    expect(npm('start').out).not.toMatch(/installing/)
  }, 180_000)
})
