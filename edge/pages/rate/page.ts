/**
 * GET /rate: the rating page for people — one self-contained HTML document (inline CSS and script, nothing fetched
 * from elsewhere). Public: it holds no data; the script calls the rater API with a key from the URL fragment
 * (#key=… or an invitation #invite=…, never sent to the server), kept in localStorage, or typed once.
 * Accessible: every control labelled, natural focus order, keyboard shortcuts, a polite live region; one column
 * that fits a phone.
 */
import { RATE_JS } from './client.js'

const CSS = `
  :root { font-family: system-ui, sans-serif; color: #111827; background: #f9fafb; line-height: 1.45; }
  body { margin: 0 auto; padding: 12px 16px 32px; max-width: 760px; }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin-bottom: 12px; }
  h1 { font-size: 20px; margin: 0; flex: 1 1 auto; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #4b5563; margin: 0 0 4px; }
  label { font-weight: 600; }
  select, input, button { font: inherit; }
  select, input[type=password], input[type=text] { padding: 6px 8px; border: 1px solid #9ca3af; border-radius: 6px; }
  .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 14px; margin-bottom: 12px; }
  .text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font-size: 16px; }
  #completion { font-family: ui-monospace, monospace; font-size: 15px; }
  #stats { font-size: 14px; color: #374151; margin: 0 0 12px; }
  .scale { display: grid; grid-template-columns: auto 1fr auto; gap: 8px; align-items: center; }
  input[type=range] { width: 100%; min-height: 32px; }
  output { font-variant-numeric: tabular-nums; font-weight: 700; min-width: 3ch; display: inline-block; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
  button { padding: 8px 16px; border-radius: 6px; border: 1px solid #1d4ed8; background: #2563eb; color: #fff; cursor: pointer; min-height: 40px; }
  button.secondary { background: #fff; color: #1d4ed8; }
  button.link { background: none; border: none; color: #1d4ed8; padding: 4px; min-height: 0; text-decoration: underline; }
  button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  .quick { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 8px; }
  .quick button { background: #eef2ff; color: #1e3a8a; border-color: #c7d2fe; padding: 6px 12px; }
  #help { font-size: 13px; color: #4b5563; margin: 8px 0 0; }
  #status { min-height: 1.4em; font-size: 14px; color: #065f46; }
  #status.error { color: #b91c1c; }
  [hidden] { display: none !important; }
  #login { display: grid; gap: 8px; }
`

const BODY = `
  <header>
    <h1>Cohort · rate answers</h1>
    <span><label for="task">Task</label> <select id="task"></select></span>
    <button class="link" id="forget" type="button">forget key</button>
  </header>
  <p id="stats" aria-live="polite"></p>
  <main id="rating" hidden>
    <section class="card" aria-labelledby="prompt-h"><h2 id="prompt-h">Prompt</h2><p class="text" id="prompt"></p></section>
    <section class="card" aria-labelledby="completion-h"><h2 id="completion-h">Answer to rate</h2><p class="text" id="completion"></p></section>
    <form class="card" id="rate-form" aria-labelledby="score-label">
      <div class="scale">
        <label id="score-label" for="score">Quality</label>
        <input id="score" name="score" type="range" min="0" max="1" step="0.05" value="0.5" aria-describedby="help">
        <output id="score-out" for="score">0.50</output>
      </div>
      <div class="quick" role="group" aria-label="Rate at once">
        <button type="button" data-score="0">1 · bad</button><button type="button" data-score="0.25">2</button>
        <button type="button" data-score="0.5">3</button><button type="button" data-score="0.75">4</button>
        <button type="button" data-score="1">5 · great</button>
      </div>
      <div class="actions">
        <button type="submit" id="submit">Submit rating</button>
        <button type="button" class="secondary" id="skip">Skip</button>
      </div>
      <p id="help">Keys <kbd>1</kbd>–<kbd>5</kbd> rate 0, 0.25, 0.5, 0.75 or 1 at once; the arrow keys move the slider
        and <kbd>Enter</kbd> submits it; <kbd>S</kbd> skips. Rate the answer itself: no reference is shown.</p>
    </form>
  </main>
  <section class="card" id="empty" hidden><p>Nothing to rate in this task right now; this page looks again every few seconds.</p></section>
  <form class="card" id="login" hidden>
    <h2>Rater key</h2>
    <p id="login-msg"></p>
    <label for="login-key">Key or invitation code</label>
    <input id="login-key" type="password" autocomplete="off" placeholder="ck_rater_… or ci_…">
    <button type="submit">Start rating</button>
    <small>Kept in this browser's localStorage; or open the page as /rate#key=… or from an invitation link.</small>
  </form>
  <p id="status" role="status" aria-live="polite"></p>
`

export function rateHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Cohort · rate answers</title><style>${CSS}</style></head>
<body data-state="loading">${BODY}<script>${RATE_JS}</script></body></html>`
}
