// `npm start` and `npm test` run this first (package.json pre-scripts), so a fresh clone needs no separate install
// step: when node_modules is missing or older than package-lock.json, install exactly what the lockfile pins
// (`npm ci`, the CPU build of onnxruntime-node unless ONNXRUNTIME_NODE_INSTALL says otherwise), with one line saying
// why. npm rewrites node_modules/.package-lock.json on every install, so its age is node_modules' age.
// Plain Node, no dependencies: it runs before any are there.
import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const mtime = (p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs
const installed = mtime(join(root, 'node_modules', '.package-lock.json'))
const locked = mtime(join(root, 'package-lock.json'))
const why = installed === undefined ? 'no node_modules' : installed < locked ? 'node_modules is older than package-lock.json' : null

if (why) {
  console.error(`cohort: ${why}: installing from the lockfile (npm ci) first …`)
  // inside an npm script npm_execpath is npm's own CLI: run the same npm that runs us
  const npm = process.env.npm_execpath
  const [cmd, args] = npm ? [process.execPath, [npm]] : ['npm', []]
  const r = spawnSync(cmd, [...args, 'ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip' },
  })
  if (r.status !== 0) {
    console.error('cohort: npm ci failed (see above); fix it and run the command again')
    process.exit(r.status ?? 1)
  }
}
