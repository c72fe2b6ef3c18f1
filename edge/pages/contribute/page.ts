/**
 * GET /contribute: the browser rollout worker's page. The HTML is here; its script is the bundle
 * learner/browser/build.ts writes (`/contribute/app.js`, served with onnxruntime-web's files by the Node edge,
 * `cohort serve`). Cross-origin isolated (COOP/COEP headers on the route), so the WASM backend may use threads.
 */
const CSS = `
  :root { font-family: system-ui, sans-serif; color: #111827; background: #f9fafb; line-height: 1.45; }
  body { margin: 0 auto; padding: 12px 16px 32px; max-width: 860px; }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin-bottom: 12px; }
  h1 { font-size: 20px; margin: 0; flex: 1 1 auto; }
  .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 14px; margin-bottom: 12px; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; }
  .tile { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px 12px; }
  .tile b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; } .tile span { font-size: 12px; color: #4b5563; }
  label { font-weight: 600; } select, input, button { font: inherit; }
  select, input { padding: 6px 8px; border: 1px solid #9ca3af; border-radius: 6px; }
  button { padding: 8px 16px; border-radius: 6px; border: 1px solid #1d4ed8; background: #2563eb; color: #fff; cursor: pointer; min-height: 40px; }
  button:disabled { opacity: .5; cursor: default; } button.secondary { background: #fff; color: #1d4ed8; }
  button.link { background: none; border: none; color: #1d4ed8; text-decoration: underline; min-height: 0; padding: 4px; }
  button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  #status { font-weight: 600; } #log { font-size: 12px; color: #374151; max-height: 240px; overflow: auto; padding-left: 0; list-style: none; }
  [hidden] { display: none !important; } #login { display: grid; gap: 8px; }
`

const BODY = `
  <header><h1>Cohort · contribute rollouts</h1><button class="link" id="forget" type="button">forget key</button></header>
  <p class="card">This page runs the newest published model in your browser, answers prompts the edge hands out and
    sends the answers back for training. It uses your processor while it runs; stop it at any time.</p>
  <form class="card" id="login" hidden>
    <p id="login-msg"></p>
    <label for="login-key">Worker key or invitation code</label>
    <input id="login-key" type="password" autocomplete="off" placeholder="ck_worker_… or ci_…">
    <button type="submit">Continue</button>
  </form>
  <section class="card" id="controls" hidden>
    <label for="task">Task</label> <select id="task"></select>
    <button type="button" id="start">Start</button> <button type="button" class="secondary" id="stop" disabled>Stop</button>
  </section>
  <div class="tiles" aria-live="polite">
    <div class="tile"><b id="stat-tps">–</b><span>tokens/s (generation)</span></div>
    <div class="tile"><b id="stat-groups">0</b><span>groups submitted</span></div>
    <div class="tile"><b id="stat-accepted">0</b><span>groups accepted</span></div>
    <div class="tile"><b id="stat-tokens">0</b><span>tokens generated</span></div>
    <div class="tile"><b id="stat-reward">–</b><span>mean reward</span></div>
    <div class="tile"><b id="stat-version">–</b><span>model version</span></div>
    <div class="tile"><b id="stat-backend">–</b><span>backend (threads)</span></div>
  </div>
  <p id="status" role="status">Loading…</p>
  <ul id="log" aria-label="activity"></ul>
`

export function contributeHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Cohort · contribute</title><style>${CSS}</style></head>
<body data-state="loading">${BODY}
<script type="module" src="/contribute/app.js" onerror="document.getElementById('status').textContent='This edge does not serve the browser worker bundle (/contribute/app.js): run the Node edge (cohort serve).'"></script>
</body></html>`
}
