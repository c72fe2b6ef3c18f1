/**
 * GET /: the dashboard page — one self-contained HTML document (inline CSS and script; charts drawn by uPlot,
 * inlined from edge/dashboard/vendor/uplot.ts; nothing fetched from elsewhere). Public: it holds no data; the
 * script fetches GET /v1/dashboard with a key taken from the URL fragment (#key=…, never sent to the server) or
 * typed once, and kept in localStorage.
 */
import { CLIENT_JS } from './client.js'
import { UPLOT_CSS, UPLOT_JS } from './vendor/uplot.js'

const CSS = `
  :root { font-family: system-ui, sans-serif; color: #111827; background: #f9fafb; }
  body { margin: 0; padding: 16px 24px; }
  header { display: flex; align-items: baseline; gap: 16px; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  h2 { font-size: 14px; margin: 0 0 6px; color: #374151; }
  #updated, #error { font-size: 12px; color: #6b7280; } #error { color: #b91c1c; }
  .tiles { display: flex; gap: 12px; margin-bottom: 12px; flex-wrap: wrap; }
  .tile { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px 14px; min-width: 110px; }
  .tile b { display: block; font-size: 22px; } .tile span { font-size: 12px; color: #6b7280; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; }
  .panel { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; }
  .chart { min-height: 240px; } .chart .empty { color: #9ca3af; font-size: 14px; padding: 90px 0; text-align: center; }
  .u-legend { font-size: 12px; } .u-legend .u-marker { width: 10px; height: 10px; }
  #workers { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
  #workers th, #workers td { text-align: right; padding: 4px 8px; border-bottom: 1px solid #f3f4f6; }
  #workers th:first-child, #workers td:first-child { text-align: left; } #workers td.bad { color: #b91c1c; font-weight: 600; }
  #recent { list-style: none; margin: 0; padding: 0; font-size: 12px; max-height: 420px; overflow: auto; }
  #recent li { display: grid; grid-template-columns: 52px 90px 1fr 1fr; gap: 8px; padding: 3px 0; border-bottom: 1px solid #f3f4f6; }
  .chip { height: 10px; border-radius: 5px; align-self: center; }
  .meta { color: #6b7280; } .prompt { color: #374151; } .answer { font-family: ui-monospace, monospace; white-space: pre-wrap; }
  #login { position: fixed; inset: 0; background: rgba(17,24,39,.5); display: grid; place-items: center; }
  #login[hidden] { display: none; }
  #login form { background: #fff; padding: 20px; border-radius: 8px; display: grid; gap: 8px; min-width: 320px; }
  button.link { background: none; border: none; color: #2563eb; cursor: pointer; font-size: 12px; }
`

const BODY = `
  <header><h1>Cohort · live training</h1><span id="updated"></span><span id="error"></span>
    <button class="link" id="forget" type="button">forget key</button></header>
  <div class="tiles">
    <div class="tile"><b id="tile-step">–</b><span>learner step</span></div>
    <div class="tile"><b id="tile-versions">–</b><span>versions published</span></div>
    <div class="tile"><b id="tile-reward">–</b><span>reward (last step)</span></div>
    <div class="tile"><b id="tile-tps">–</b><span>tokens/s (last step)</span></div>
    <div class="tile"><b id="tile-ready">–</b><span>groups ready</span></div>
    <div class="tile"><b id="tile-drain">–</b><span>learner drain (groups/s)</span></div>
    <div class="tile"><b id="tile-stale">–</b><span>went stale</span></div>
  </div>
  <div class="grid">
    <section class="panel"><h2>Reward per step <small>(dashed: version published)</small></h2><div class="chart" id="chart-reward"></div></section>
    <section class="panel"><h2>KL to the reference per step</h2><div class="chart" id="chart-kl"></div></section>
    <section class="panel"><h2>Accuracy and mean reward per model version</h2><div class="chart" id="chart-versions"></div></section>
    <section class="panel"><h2>Queue depth by status</h2><div class="chart" id="chart-queue"></div></section>
    <section class="panel"><h2>Versions published over time</h2><div class="chart" id="chart-published"></div></section>
    <section class="panel"><h2>Sampler mismatch per step <small>(the learner's sampling/* metrics)</small></h2><div class="chart" id="chart-mismatch"></div></section>
    <section class="panel"><h2>Workers</h2><table id="workers"><thead><tr><th scope="col">worker</th><th scope="col">groups</th>
      <th scope="col">accepted</th><th scope="col">flagged (log-probs)</th><th scope="col">tokens/s (5 min)</th></tr></thead><tbody></tbody></table></section>
    <section class="panel"><h2>Recent completions <small>(bar length and colour: reward)</small></h2><ul id="recent"></ul></section>
  </div>
  <div id="login" hidden><form id="login-form">
    <b>Dashboard key</b><span id="login-msg"></span>
    <input id="login-key" type="password" placeholder="admin or learner key" autocomplete="off">
    <button type="submit">Show</button>
    <small>Kept in this browser's localStorage; or open the page as /#key=…</small>
  </form></div>
`

export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Cohort dashboard</title><style>${UPLOT_CSS}${CSS}</style></head>
<body>${BODY}<script>${UPLOT_JS}</script><script>${CLIENT_JS}</script></body></html>`
}
