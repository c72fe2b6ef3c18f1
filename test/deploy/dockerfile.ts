/**
 * What learner/Dockerfile says, read the way docker reads it: the exec-form ENTRYPOINT and CMD, ENV, VOLUME, and the
 * `docker run` lines its comments document (image arguments, -e variables, -v mounts), so tests run exactly those.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '../..')

export interface DockerRun {
  line: string
  env: Record<string, string>
  /** mount target → source */
  volumes: Record<string, string>
  gpus: boolean
  image: string
  /** arguments after the image (replace CMD when present) */
  args: string[]
}

export interface Dockerfile {
  entrypoint: string[]
  cmd: string[]
  env: Record<string, string>
  volumes: string[]
  workdir: string
  runs: DockerRun[]
}

const execForm = (s: string, what: string): string[] => {
  const v = JSON.parse(s) as unknown
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${what} must be exec form (a JSON array of strings)`)
  return v
}

function parseRun(line: string): DockerRun {
  const words = line.trim().split(/\s+/).slice(2) // after "docker run"
  const run: DockerRun = { line: line.trim(), env: {}, volumes: {}, gpus: false, image: '', args: [] }
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    if (w === '-e' || w === '--env') {
      const [k, ...v] = words[++i].split('=')
      run.env[k] = v.join('=')
    } else if (w === '-v' || w === '--volume') {
      const [src, dst] = words[++i].split(':')
      run.volumes[dst] = src
    } else if (w === '--gpus') {
      run.gpus = true
      i++
    } else if (w.startsWith('-')) throw new Error(`unexpected docker run option ${w} in: ${line}`)
    else {
      run.image = w
      run.args = words.slice(i + 1)
      break
    }
  }
  return run
}

export function readDockerfile(path = join(ROOT, 'learner/Dockerfile')): Dockerfile {
  const text = readFileSync(path, 'utf8')
  const out: Dockerfile = { entrypoint: [], cmd: [], env: {}, volumes: [], workdir: '/', runs: [] }
  for (const raw of text.split('\n')) {
    const comment = /^#\s+(docker run .*)$/.exec(raw)
    if (comment) out.runs.push(parseRun(comment[1]))
    const m = /^(ENTRYPOINT|CMD|ENV|VOLUME|WORKDIR)\s+(.*)$/.exec(raw)
    if (!m) continue
    if (m[1] === 'ENTRYPOINT') out.entrypoint = execForm(m[2], 'ENTRYPOINT')
    else if (m[1] === 'CMD') out.cmd = execForm(m[2], 'CMD')
    else if (m[1] === 'WORKDIR') out.workdir = m[2].trim()
    else if (m[1] === 'VOLUME') out.volumes.push(...m[2].trim().split(/\s+/))
    else for (const kv of m[2].trim().split(/\s+/)) out.env[kv.split('=')[0]] = kv.split('=').slice(1).join('=')
  }
  return out
}
