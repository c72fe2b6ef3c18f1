/**
 * The browser rollout worker (`/contribute`, bundled by build.ts): a volunteer's browser leases prompts, follows
 * the newest published model (downloaded through the edge, sha256-verified), generates each group with the same
 * OnnxGenerator and sampler as the Node worker (onnxruntime-web: WASM, or WebGPU when the browser has an adapter)
 * and submits it — the loop is the Node worker's RolloutWorker. The learner recomputes the reported log-probs, so a
 * page that tampers gets its groups flagged.
 * Page state for people and tests: body[data-state] = login | ready | running | stopped, body[data-groups],
 * body[data-accepted], body[data-tokens-per-second].
 */
import * as ort from 'onnxruntime-node' // onnxruntime-web in the bundle
import { EdgeClient, RolloutWorker, type RolloutStats, type SubmittedGroup } from '../rollout/index.js'
import { MemoryPolicies } from './policies.js'

const KEY = 'cohort.worker.key'
const body = document.body
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T
const say = (line: string) => {
  $('status').textContent = line
  const log = $('log')
  const li = document.createElement('li')
  li.textContent = `${new Date().toLocaleTimeString()} ${line}`
  log.prepend(li)
  while (log.children.length > 50) log.lastElementChild!.remove()
}

let worker: RolloutWorker | null = null
let accepted = 0
const fragment = new URLSearchParams(location.hash.slice(1))

/** The execution provider: WebGPU where the browser gives an adapter (and ?ep=cpu does not forbid it), else WASM. */
async function pickBackend(): Promise<'webgpu' | 'cpu'> {
  ort.env.wasm.wasmPaths = new URL('ort/', new URL('/contribute/', location.href)).href
  ort.env.wasm.numThreads = crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
  if (new URLSearchParams(location.search).get('ep') === 'cpu' || !gpu) return 'cpu'
  return (await gpu.requestAdapter().catch(() => null)) ? 'webgpu' : 'cpu'
}

async function api(method: string, path: string, payload?: unknown) {
  const headers: Record<string, string> = {}
  const key = localStorage.getItem(KEY)
  if (key) headers.authorization = `Bearer ${key}`
  if (payload !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) })
  return { status: res.status, json: res.status === 204 ? null : await res.json() }
}

function showLogin(message = '') {
  body.dataset.state = 'login'
  $('login').hidden = false
  $('controls').hidden = true
  $('login-msg').textContent = message
  $('login-key').focus()
}

async function join(code: string): Promise<boolean> {
  const r = await api('POST', '/v1/join', { code })
  if (r.status !== 201) return showLogin(r.json?.detail ?? 'The invitation was refused.'), false
  if (r.json.role !== 'worker') return showLogin(`This invitation is for a ${r.json.role}, not a worker.`), false
  localStorage.setItem(KEY, r.json.key)
  say('Joined with an invitation; the key is kept in this browser.')
  return true
}

async function loadTasks(): Promise<boolean> {
  const r = await api('GET', '/v1/tasks')
  if (r.status === 401 || r.status === 403) {
    localStorage.removeItem(KEY)
    showLogin(r.json?.detail ?? 'This key was refused.')
    return false
  }
  const select = $<HTMLSelectElement>('task')
  select.replaceChildren(
    ...(r.json.tasks as { name: string }[]).map((t) => Object.assign(document.createElement('option'), { value: t.name, textContent: t.name })),
  )
  const wanted = fragment.get('task') ?? new URLSearchParams(location.search).get('task')
  if (wanted) select.value = wanted
  $('login').hidden = true
  $('controls').hidden = false
  body.dataset.state = 'ready'
  return true
}

function show(s: RolloutStats, version: number | null) {
  const tps = s.generateSeconds > 0 ? s.tokens / s.generateSeconds : 0
  $('stat-version').textContent = version === null ? '–' : String(version)
  $('stat-groups').textContent = String(s.groups)
  $('stat-accepted').textContent = String(accepted)
  $('stat-tokens').textContent = String(s.tokens)
  $('stat-tps').textContent = tps ? tps.toFixed(1) : '–'
  $('stat-reward').textContent = s.rewardCount ? (s.rewardSum / s.rewardCount).toFixed(3) : '–'
  body.dataset.groups = String(s.groups)
  body.dataset.accepted = String(accepted)
  body.dataset.tokensPerSecond = tps.toFixed(3)
}

async function start() {
  const backend = await pickBackend()
  $('stat-backend').textContent = backend === 'webgpu' ? 'WebGPU' : `WASM ×${ort.env.wasm.numThreads}`
  const edge = new EdgeClient({ baseUrl: location.origin, key: localStorage.getItem(KEY)! })
  const policies = new MemoryPolicies(edge, { ep: backend }, say)
  policies.onFallback = () => ($('stat-backend').textContent = `WASM ×${ort.env.wasm.numThreads}`)
  accepted = 0
  const w = new RolloutWorker({
    edge,
    task: $<HTMLSelectElement>('task').value,
    policies,
    log: say,
    onGroup: (g: SubmittedGroup) => {
      if (g.result.status === 'ready' || g.result.status === 'pending') accepted++
      show(w.stats, g.policyVersion)
      say(`group ${g.result.groupId} stored (${g.tokens} tokens in ${g.generateSeconds.toFixed(2)} s, rewards ${g.result.rewards.join(' ')})`)
    },
  })
  worker = w
  body.dataset.state = 'running'
  $<HTMLButtonElement>('start').disabled = true
  $<HTMLButtonElement>('stop').disabled = false
  say(`contributing to "${$<HTMLSelectElement>('task').value}" on ${$('stat-backend').textContent}`)
  try {
    const s = await w.run()
    show(s, policies.version)
    say(`stopped after ${s.groups} groups`)
  } catch (err) {
    say(`stopped: ${(err as Error).message}`)
  } finally {
    worker = null
    body.dataset.state = 'stopped'
    $<HTMLButtonElement>('start').disabled = false
    $<HTMLButtonElement>('stop').disabled = true
  }
}

$('start').addEventListener('click', () => void start())
$('stop').addEventListener('click', () => {
  worker?.stop()
  say('stopping: the group being generated is finished and submitted first')
})
$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault()
  const v = $<HTMLInputElement>('login-key').value.trim()
  if (!v) return
  $<HTMLInputElement>('login-key').value = ''
  if (v.startsWith('ci_') ? await join(v) : (localStorage.setItem(KEY, v), true)) await loadTasks()
})
$('forget').addEventListener('click', () => {
  worker?.stop()
  localStorage.removeItem(KEY)
  showLogin('Key forgotten.')
})

async function main() {
  history.replaceState(null, '', location.pathname + location.search) // the key never stays in the address bar
  if (fragment.get('invite') && !(await join(fragment.get('invite')!))) return
  if (fragment.get('key')) localStorage.setItem(KEY, fragment.get('key')!)
  if (!localStorage.getItem(KEY)) return showLogin()
  await loadTasks()
}
void main()
