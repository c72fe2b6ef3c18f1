/**
 * The dashboard page's browser script, as a string the page inlines (no CDN, no build step, no framework).
 * It keeps the key from the URL fragment (#key=…) or a typed form in localStorage, polls GET /v1/dashboard and
 * draws inline-SVG charts. Each chart's <svg> carries data-points="<n>" (points drawn) for the browser test.
 * Plain ES2020 in a string on purpose: bundlers may inject helpers into stringified functions.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var KEY = 'cohort.dashboard.key';
  var POLL_MS = 2000;
  var NS = 'http://www.w3.org/2000/svg';
  var W = 560, H = 220, PAD = { l: 48, r: 12, t: 12, b: 28 };
  var SMOOTH = 20;
  var COLORS = { reward: '#2f7ed8', rewardRaw: '#bfd7f3', kl: '#c2410c', acc: '#2f7ed8', mean: '#f59e0b', eval: '#16a34a', pub: '#9ca3af' };
  var STATUS_COLORS = { pending: '#a78bfa', verify_failed: '#ef4444', ready: '#2f7ed8', claimed: '#f59e0b',
    trained: '#16a34a', stale: '#9ca3af', discarded: '#6b7280' };

  function $(id) { return document.getElementById(id); }
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, attrs) {
    var t = el('text', Object.assign({ x: x, y: y, 'font-size': 11, fill: '#4b5563' }, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a !== 0 && (a < 0.01 || a >= 1e5)) return v.toExponential(1);
    if (a >= 100) return String(Math.round(v));
    return String(Math.round(v * 1000) / 1000);
  }
  function finite(p) { return p[1] !== null && p[1] !== undefined && isFinite(p[1]); }

  // ── key handling ────────────────────────────────────────────────────────────────────────────────────
  function takeKeyFromFragment() {
    var m = /(?:^#|&)key=([^&]+)/.exec(location.hash);
    if (m) {
      localStorage.setItem(KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
  }
  function showLogin(message) {
    $('login').hidden = false;
    $('login-msg').textContent = message || '';
  }
  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var v = $('login-key').value.trim();
    if (!v) return;
    localStorage.setItem(KEY, v);
    $('login').hidden = true;
    poll();
  });
  $('forget').addEventListener('click', function () { localStorage.removeItem(KEY); showLogin('Key forgotten.'); });

  // ── charts ──────────────────────────────────────────────────────────────────────────────────────────
  function frame(svg) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  }
  function niceDomain(lo, hi) {
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    var pad = (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  }
  function axes(svg, xd, yd, sx, sy, xLabel) {
    var g = el('g', {}, svg);
    for (var i = 0; i <= 4; i++) {
      var yv = yd[0] + ((yd[1] - yd[0]) * i) / 4;
      var y = sy(yv);
      el('line', { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, stroke: '#e5e7eb' }, g);
      text(g, PAD.l - 6, y + 4, fmt(yv), { 'text-anchor': 'end' });
    }
    // x ticks: every integer on short axes (versions, steps), six rounded ones on long ones
    var ticks = [];
    if (xd[1] - xd[0] <= 12) for (var n = Math.ceil(xd[0]); n <= xd[1]; n++) ticks.push(n);
    else for (var j = 0; j <= 5; j++) ticks.push(Math.round(xd[0] + ((xd[1] - xd[0]) * j) / 5));
    ticks.forEach(function (xv) { text(g, sx(xv), H - PAD.b + 16, String(xv), { 'text-anchor': 'middle' }); });
    text(g, W - PAD.r, H - 2, xLabel, { 'text-anchor': 'end', 'font-style': 'italic' });
  }
  function empty(svg, what) {
    frame(svg);
    svg.setAttribute('data-points', '0');
    text(svg, W / 2, H / 2, 'no ' + what + ' yet', { 'text-anchor': 'middle', 'font-size': 14, fill: '#9ca3af' });
  }
  function legend(svg, series) {
    var x = PAD.l + 8;
    series.forEach(function (s) {
      el('rect', { x: x, y: PAD.t + 2, width: 10, height: 10, fill: s.color }, svg);
      var t = text(svg, x + 14, PAD.t + 11, s.name);
      x += 24 + t.getComputedTextLength();
    });
  }
  /** series: [{ name, color, points: [[x, y]], dots? }]; markers: [{ x, label }] (vertical lines) */
  function lineChart(svg, series, opts) {
    var pts = [];
    series.forEach(function (s) { s.points = s.points.filter(finite); pts = pts.concat(s.points); });
    if (pts.length === 0) return empty(svg, opts.what);
    frame(svg);
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    var xd = niceDomain(Math.min.apply(null, xs), Math.max.apply(null, xs));
    var yd = niceDomain(opts.yMin !== undefined ? Math.min(opts.yMin, Math.min.apply(null, ys)) : Math.min.apply(null, ys),
      opts.yMax !== undefined ? Math.max(opts.yMax, Math.max.apply(null, ys)) : Math.max.apply(null, ys));
    var sx = function (v) { return PAD.l + ((v - xd[0]) / (xd[1] - xd[0])) * (W - PAD.l - PAD.r); };
    var sy = function (v) { return H - PAD.b - ((v - yd[0]) / (yd[1] - yd[0])) * (H - PAD.t - PAD.b); };
    axes(svg, xd, yd, sx, sy, opts.xLabel);
    (opts.markers || []).forEach(function (m) {
      if (m.x < xd[0] || m.x > xd[1]) return;
      el('line', { x1: sx(m.x), x2: sx(m.x), y1: PAD.t, y2: H - PAD.b, stroke: COLORS.pub, 'stroke-dasharray': '3 3' }, svg);
      text(svg, sx(m.x) + 2, PAD.t + 24, m.label, { fill: '#6b7280', 'font-size': 10 });
    });
    var drawn = 0;
    series.forEach(function (s) {
      if (s.points.length === 0) return;
      var d = s.points.map(function (p, i) { return (i ? 'L' : 'M') + sx(p[0]).toFixed(1) + ' ' + sy(p[1]).toFixed(1); }).join('');
      el('path', { d: d, fill: 'none', stroke: s.color, 'stroke-width': 2, class: 'series', 'data-name': s.name }, svg);
      if (s.dots || s.points.length < 40)
        s.points.forEach(function (p) { el('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 3, fill: s.color }, svg); });
      drawn += s.points.length;
    });
    legend(svg, series.filter(function (s) { return s.points.length; }));
    svg.setAttribute('data-points', String(drawn));
  }
  /** bars: [{ label, value, color }] horizontal */
  function barChart(svg, bars, what) {
    var total = bars.reduce(function (a, b) { return a + b.value; }, 0);
    if (bars.length === 0) return empty(svg, what);
    frame(svg);
    var max = Math.max(1, Math.max.apply(null, bars.map(function (b) { return b.value; })));
    var rowH = (H - PAD.t - 8) / bars.length;
    bars.forEach(function (b, i) {
      var y = PAD.t + i * rowH;
      text(svg, 96, y + rowH * 0.65, b.label, { 'text-anchor': 'end' });
      var w = ((W - 160) * b.value) / max;
      el('rect', { x: 102, y: y + rowH * 0.15, width: Math.max(w, b.value ? 2 : 0), height: rowH * 0.7, fill: b.color, rx: 2, class: 'bar' }, svg);
      text(svg, 106 + w, y + rowH * 0.65, String(b.value));
    });
    svg.setAttribute('data-points', String(bars.length));
    svg.setAttribute('data-total', String(total));
  }

  /** trailing mean over the last n finite points (per-step rewards are noisy: few groups per step) */
  function smooth(points, n) {
    var out = [], win = [];
    points.filter(finite).forEach(function (p) {
      win.push(p[1]);
      if (win.length > n) win.shift();
      out.push([p[0], win.reduce(function (a, b) { return a + b; }, 0) / win.length]);
    });
    return out;
  }

  // ── panels ──────────────────────────────────────────────────────────────────────────────────────────
  function metric(s, name) { var v = s.metrics[name]; return typeof v === 'number' ? v : null; }
  function render(d) {
    var published = d.versions.filter(function (v) { return v.step !== null; });
    var markers = published.map(function (v) { return { x: v.step, label: 'v' + v.version }; });
    var rewards = d.steps.map(function (s) { return [s.step, metric(s, 'reward')]; });
    lineChart($('chart-reward'), [
      { name: 'reward', color: COLORS.rewardRaw, points: rewards },
      { name: 'moving mean (' + SMOOTH + ' steps)', color: COLORS.reward, points: smooth(rewards, SMOOTH) },
    ], { what: 'train steps', xLabel: 'step', markers: markers.length > 30 ? [] : markers });
    lineChart($('chart-kl'), [
      { name: 'kl', color: COLORS.kl, points: d.steps.map(function (s) { return [s.step, metric(s, 'kl')]; }) },
    ], { what: 'train steps', xLabel: 'step', yMin: 0 });
    lineChart($('chart-versions'), [
      { name: 'accuracy (rollouts)', color: COLORS.acc, dots: true, points: d.versions.map(function (v) { return [v.version, v.accuracy]; }) },
      { name: 'mean reward', color: COLORS.mean, dots: true, points: d.versions.map(function (v) { return [v.version, v.rewardMean]; }) },
      { name: 'held-out accuracy', color: COLORS.eval, dots: true, points: d.versions.map(function (v) {
        var e = v.metrics['eval/accuracy']; return [v.version, typeof e === 'number' ? e : null]; }) },
    ], { what: 'scored groups', xLabel: 'model version', yMin: 0, yMax: 1 });
    var statuses = Object.keys(STATUS_COLORS);
    barChart($('chart-queue'), statuses.map(function (s) {
      return { label: s, value: d.queue.groups[s] || 0, color: STATUS_COLORS[s] };
    }).concat([{ label: 'open leases', value: d.queue.leasesActive, color: '#0ea5e9' }]), 'groups');
    barChart($('chart-workers'), d.workers.slice(0, 12).map(function (w) {
      return { label: (w.label || w.prefix) + ' (' + w.groups + ')', value: w.logprobMismatch, color: '#dc2626' };
    }), 'flagged groups');
    var times = published.filter(function (v) { return v.publishedAt; }).map(function (v, i) {
      return [(Date.parse(v.publishedAt) - Date.parse(published[0].publishedAt)) / 1000, i + 1];
    });
    lineChart($('chart-published'), [{ name: 'versions published', color: COLORS.eval, dots: true, points: times }],
      { what: 'published versions', xLabel: 'seconds since the first', yMin: 0 });

    var last = d.steps[d.steps.length - 1];
    $('tile-step').textContent = last ? String(last.step) : '–';
    $('tile-versions').textContent = String(d.totals.modelVersions);
    $('tile-reward').textContent = last ? fmt(metric(last, 'reward')) : '–';
    $('tile-tps').textContent = last ? fmt(metric(last, 'tokens_per_second')) : '–';
    $('tile-ready').textContent = String(d.queue.groups.ready || 0) + (d.queue.heldBack ? ' (workers held back)' : '');
    $('tile-drain').textContent = fmt(d.queue.drainPerS);
    $('tile-stale').textContent = d.queue.staleFraction === null ? '–' : (100 * d.queue.staleFraction).toFixed(1) + ' %';

    var list = $('recent');
    while (list.firstChild) list.removeChild(list.firstChild);
    d.recent.forEach(function (c) {
      var li = document.createElement('li');
      var chip = document.createElement('span');
      chip.className = 'chip';
      var r = c.reward === null ? null : Math.max(0, Math.min(1, c.reward));
      chip.style.background = r === null ? '#d1d5db' : 'hsl(' + Math.round(120 * r) + ',65%,45%)';
      chip.style.width = (r === null ? 8 : 8 + 40 * r) + 'px';
      chip.title = 'reward ' + fmt(c.reward);
      var meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = 'v' + c.policyVersion + ' · r=' + fmt(c.reward);
      var q = document.createElement('span');
      q.className = 'prompt';
      q.textContent = c.prompt;
      var a = document.createElement('span');
      a.className = 'answer';
      a.textContent = c.text;
      li.append(chip, meta, q, a);
      list.appendChild(li);
    });
    $('updated').textContent = 'updated ' + new Date(d.now).toLocaleTimeString();
    document.body.setAttribute('data-loaded', 'true');
  }

  // ── polling ─────────────────────────────────────────────────────────────────────────────────────────
  var timer = null;
  function poll() {
    clearTimeout(timer);
    var key = localStorage.getItem(KEY);
    if (!key) return showLogin('');
    fetch('/v1/dashboard', { headers: { authorization: 'Bearer ' + key } })
      .then(function (res) {
        if (res.status === 401 || res.status === 403) {
          localStorage.removeItem(KEY);
          return res.json().then(function (p) { showLogin(p.detail || 'key refused'); });
        }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json().then(function (d) { $('error').textContent = ''; render(d); timer = setTimeout(poll, POLL_MS); });
      })
      .catch(function (err) { $('error').textContent = String(err.message || err); timer = setTimeout(poll, POLL_MS * 2); });
  }
  takeKeyFromFragment();
  poll();
})();
`
