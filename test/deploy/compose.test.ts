/**
 * compose.yaml against the real CLI (there is no docker daemon here to run it): every Cohort service runs the image
 * of learner/Dockerfile with a command from the `cohort` command table, using only flags and environment names that
 * command documents (`cohort <command> --help`); the learner gets the GPU (COHORT_EP=cuda and an nvidia device
 * reservation); workers reach the edge by its service name and port; the edge and learner share the data volume at
 * the path the learner publishes file: versions under; every ${VARIABLE} is explained in the file's header.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../../cli/index.js'
import { readDockerfile, ROOT } from './dockerfile.js'

interface Service {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  deploy?: { replicas?: string | number; resources?: { reservations?: { devices?: { driver: string; count: number; capabilities: string[] }[] } } }
  depends_on?: Record<string, unknown>
}

const text = readFileSync(join(ROOT, 'compose.yaml'), 'utf8')
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> }
const services = compose.services
const cohortServices = Object.entries(services).filter(([, s]) => s.build)
const header = text.split('\n').filter((l) => l.startsWith('#')).join('\n')
/** ${NAME:-default} → default (what compose substitutes with nothing set); ${NAME:?msg} → NAME's test value */
const interpolate = (v: string) => v.replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_, name: string, dflt?: string) => dflt ?? `<${name}>`)

describe('compose.yaml', () => {
  it('has Postgres, the edge, the learner and rollout workers; Cohort services build learner/Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(['edge', 'learner', 'postgres', 'rollout'])
    expect(cohortServices.map(([n]) => n).sort()).toEqual(['edge', 'learner', 'rollout'])
    for (const [, s] of cohortServices) expect(s.build).toEqual({ context: '.', dockerfile: 'learner/Dockerfile' })
  })

  it("runs cohort commands with flags and environment names each command's --help documents", () => {
    const entry = readDockerfile().entrypoint
    expect(entry).toEqual(['node', 'cli/bin.mjs']) // the command array is the CLI's argv
    for (const [name, s] of cohortServices) {
      const [cmd, ...args] = s.command!.map(interpolate)
      const command = COMMANDS.find((c) => c.name === cmd)
      expect(command, `${name}: ${cmd} is not a cohort command`).toBeDefined()
      for (const flag of args.filter((a) => a.startsWith('--'))) expect(command!.usage, `${name}: cohort ${cmd} ${flag}`).toContain(flag)
      for (const env of Object.keys(s.environment ?? {})) expect(command!.usage, `${name}: cohort ${cmd} reads no ${env}`).toContain(env)
    }
  })

  it('the learner gets the GPU; workers and the edge stay on the CPU', () => {
    const l = services.learner
    expect(l.command![0]).toBe('learn')
    expect(l.environment!.COHORT_EP).toBe('cuda')
    expect(l.deploy!.resources!.reservations!.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }])
    expect(services.rollout.environment!.COHORT_EP).toBe('cpu') // the image defaults to cuda
    expect(services.edge.deploy).toBeUndefined()
  })

  it('wires the services: database URL, edge URL and port, the shared data volume, N workers', () => {
    const pg = services.postgres.environment!
    for (const n of ['edge', 'learner']) {
      const url = new URL(interpolate(services[n].environment!.DATABASE_URL))
      expect([url.hostname, url.port, url.username, url.password, url.pathname]).toEqual([
        'postgres', '5432', pg.POSTGRES_USER, interpolate(pg.POSTGRES_PASSWORD), `/${pg.POSTGRES_DB}`,
      ])
    }
    const edgeArgs = services.edge.command!
    const port = edgeArgs[edgeArgs.indexOf('--port') + 1]
    expect(edgeArgs[edgeArgs.indexOf('--host') + 1]).toBe('0.0.0.0')
    expect(services.edge.ports).toEqual([`${port}:${port}`])
    const r = services.rollout.command!
    expect(new URL(r[r.indexOf('--edge') + 1]).host).toBe(`edge:${port}`)
    expect(interpolate(r[r.indexOf('--task') + 1])).toBe('arith')
    expect(Number(interpolate(String(services.rollout.deploy!.replicas)))).toBe(2)
    // file: versions are /data/learner/artifacts/…: the edge must see them at the same path
    const dataDir = readDockerfile().env.COHORT_DATA_DIR
    expect(services.learner.volumes).toContain(`data:${dataDir}`)
    expect(services.edge.volumes).toContain(`data:${dataDir}:ro`)
    expect(Object.keys(compose.volumes).sort()).toEqual(['data', 'pgdata'])
  })

  it('explains every ${VARIABLE} it reads in its header', () => {
    const names = new Set([...text.matchAll(/\$\{(\w+)/g)].map((m) => m[1]))
    expect([...names].sort()).toEqual(['COHORT_ADMIN_KEY', 'COHORT_TASK', 'COHORT_WORKERS', 'COHORT_WORKER_KEY', 'POSTGRES_PASSWORD'])
    for (const n of names) expect(header, n).toContain(n)
  })
})
