/**
 * The dashboard page's browser script, as a string the page inlines (no CDN, no build step, no framework).
 * It keeps the key from the URL fragment (#key=…) or a typed form in localStorage, polls GET /v1/dashboard and
 * draws the charts with uPlot (inlined before this script). Each chart's container carries data-points="<n>"
 * (points drawn) and data-series="<n>" for the browser test.
 * Plain ES2020 in a string on purpose: bundlers may inject helpers into stringified functions.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var KEY = 'cohort.dashboard.key';
  var POLL_MS = 2000;
  var SMOOTH = 20;
  var COLORS = { reward: '#2f7ed8', rewardRaw: '#bfd7f3', kl: '#c2410c', acc: '#2f7ed8', mean: '#f59e0b', eval: '#16a34a', pub: '#9ca3af' };
  var MISMATCH_COLORS = ['#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569'];
  var STATUS_COLORS = { pending: '#a78bfa', verify_failed: '#ef4444', ready: '#2f7ed8', claimed: '#f59e0b',
    trained: '#16a34a', stale: '#9ca3af', discarded: '#6b7280' };

  function $(id) { return document.getElementById(id); }
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

  // ── charts (uPlot: nice axes, hover values in the legend) ─────────────────────────────────────────
  // Each chart container carries data-points="<n>" (finite points drawn) and data-series="<n>" for the browser test.
  var plots = window.cohortPlots = {}; // by container id (the browser test reads axis splits from them)
  var H = 220;
  function width(div) { return Math.max(280, div.clientWidth || 520); }
  function reset(div) {
    if (plots[div.id]) { plots[div.id].destroy(); delete plots[div.id]; }
    while (div.firstChild) div.removeChild(div.firstChild);
  }
  function empty(div, what) {
    reset(div);
    var p = document.createElement('p'); p.className = 'empty'; p.textContent = 'no ' + what + ' yet';
    div.appendChild(p);
    div.setAttribute('data-points', '0');
    div.setAttribute('data-series', '0');
  }
  /** dashed vertical lines at markers [{ x, label }] (e.g. versions published), drawn after the series */
  function markerHook() {
    return function (u) {
      var markers = u.cohortMarkers || [];
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = COLORS.pub; ctx.fillStyle = '#6b7280'; ctx.setLineDash([4, 4]); ctx.lineWidth = 1;
      ctx.font = Math.round(10 * devicePixelRatio) + 'px system-ui';
      markers.forEach(function (m) {
        var x = Math.round(u.valToPos(m.x, 'x', true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.fillText(m.label, x + 3, u.bbox.top + 12 * devicePixelRatio);
      });
      ctx.restore();
    };
  }
  /** tick labels with up to 4 significant digits (0.0005 and 0.001 stay apart; no 0.30000000000000004) */
  function tickValues(u, splits) { return splits.map(function (v) { return v === null ? '' : String(+v.toPrecision(4)); }); }
  var INTEGER_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
  function linePlot(div, series, data, opts, fewPoints, key) {
    reset(div);
    var yRange = function (u, lo, hi) {
      if (opts.yMin !== undefined) lo = Math.min(lo, opts.yMin);
      if (opts.yMax !== undefined) hi = Math.max(hi, opts.yMax);
      if (lo === hi) { lo -= 0.5; hi += 0.5; }
      return uPlot.rangeNum(lo, hi, 0.1, true);
    };
    var u = new uPlot({
      width: width(div), height: H,
      scales: { x: { time: false }, y: { range: yRange } },
      axes: [
        Object.assign({ label: opts.xLabel, size: 40, values: tickValues }, opts.integerX ? { incrs: INTEGER_INCRS } : {}),
        { size: 56, values: tickValues },
      ],
      series: [{ label: opts.xLabel }].concat(series.map(function (s) {
        return { label: s.name, stroke: s.color, width: 2, spanGaps: true,
          points: { show: !!s.dots || fewPoints, size: 6, fill: s.color } };
      })),
      hooks: { draw: [markerHook()] },
    }, data, div);
    u.cohortKey = key;
    u.cohortMarkers = opts.markers || [];
    return u;
  }
  /** series: [{ name, color, points: [[x, y]], dots? }]; opts: { what, xLabel, yMin?, yMax?, markers?, integerX? } */
  function lineChart(div, series, opts) {
    series = series.map(function (s) { return Object.assign({}, s, { points: s.points.filter(finite) }); })
      .filter(function (s) { return s.points.length; });
    if (!series.length) return empty(div, opts.what);
    var xs = [];
    series.forEach(function (s) { s.points.forEach(function (p) { xs.push(p[0]); }); });
    xs = xs.sort(function (a, b) { return a - b; }).filter(function (x, i, a) { return i === 0 || a[i - 1] !== x; });
    var data = [xs].concat(series.map(function (s) {
      var at = {}; s.points.forEach(function (p) { at[p[0]] = p[1]; });
      return xs.map(function (x) { return x in at ? at[x] : null; });
    }));
    var key = series.map(function (s) { return s.name; }).join('|');
    var old = plots[div.id];
    if (old && old.cohortKey === key) { // same series: new data only, so the hover and its legend values stay
      old.cohortMarkers = opts.markers || [];
      old.setData(data);
    } else plots[div.id] = linePlot(div, series, data, opts, xs.length < 40, key);
    var drawn = series.reduce(function (n, s) { return n + s.points.length; }, 0);
    div.setAttribute('data-points', String(drawn));
    div.setAttribute('data-series', String(series.length));
  }
  /** bars: [{ label, value, color }] as columns over a category axis */
  function barChart(div, bars, what) {
    if (!bars.length) return empty(div, what);
    reset(div);
    var total = bars.reduce(function (a, b) { return a + b.value; }, 0);
    var xs = bars.map(function (_, i) { return i; });
    plots[div.id] = new uPlot({
      width: width(div), height: H,
      scales: { x: { time: false, range: [-0.6, bars.length - 0.4] }, y: { range: function (u, lo, hi) { return [0, Math.max(1, hi) * 1.1]; } } },
      axes: [
        { splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return bars[i] ? bars[i].label : ''; }); },
          rotate: -30, size: 64, gap: 4, font: '11px system-ui' },
        { size: 56, values: tickValues },
      ],
      series: [{ label: 'status', value: function (u, i) { return i === null || !bars[i] ? '–' : bars[i].label; } }, {
        label: what, width: 0, fill: '#2f7ed8',
        paths: uPlot.paths.bars({ size: [0.7, 64], align: 0 }),
        points: { show: false },
      }],
      hooks: { drawSeries: [function (u) {
        // colour each bar by its status, over the single-colour fill
        var ctx = u.ctx;
        bars.forEach(function (b, i) {
          var x0 = u.valToPos(i - 0.35, 'x', true), x1 = u.valToPos(i + 0.35, 'x', true);
          var y0 = u.valToPos(0, 'y', true), y1 = u.valToPos(b.value, 'y', true);
          ctx.fillStyle = b.color; ctx.fillRect(x0, y1, x1 - x0, y0 - y1);
        });
      }] },
    }, [xs, bars.map(function (b) { return b.value; })], div);
    div.setAttribute('data-points', String(bars.length));
    div.setAttribute('data-series', '1');
    div.setAttribute('data-total', String(total));
  }

  function workersTable(workers) {
    var body = $('workers').tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    workers.forEach(function (w) {
      var tr = document.createElement('tr');
      [w.label || w.prefix, w.groups, w.accepted, w.logprobMismatch, w.tokensPerSecond ? w.tokensPerSecond.toFixed(1) : '–'].forEach(function (v, i) {
        var td = document.createElement('td');
        td.textContent = String(v);
        if (i === 3 && w.logprobMismatch > 0) td.className = 'bad';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
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
    ], { what: 'train steps', xLabel: 'step', integerX: true, markers: markers.length > 30 ? [] : markers });
    lineChart($('chart-kl'), [
      { name: 'kl', color: COLORS.kl, points: d.steps.map(function (s) { return [s.step, metric(s, 'kl')]; }) },
    ], { what: 'train steps', xLabel: 'step', integerX: true, yMin: 0 });
    lineChart($('chart-versions'), [
      { name: 'accuracy (rollouts)', color: COLORS.acc, dots: true, points: d.versions.map(function (v) { return [v.version, v.accuracy]; }) },
      { name: 'mean reward', color: COLORS.mean, dots: true, points: d.versions.map(function (v) { return [v.version, v.rewardMean]; }) },
      { name: 'held-out accuracy', color: COLORS.eval, dots: true, points: d.versions.map(function (v) {
        var e = v.metrics['eval/accuracy']; return [v.version, typeof e === 'number' ? e : null]; }) },
    ], { what: 'scored groups', xLabel: 'model version', integerX: true, yMin: 0, yMax: 1 });
    var statuses = Object.keys(STATUS_COLORS);
    barChart($('chart-queue'), statuses.map(function (s) {
      return { label: s, value: d.queue.groups[s] || 0, color: STATUS_COLORS[s] };
    }).concat([{ label: 'open leases', value: d.queue.leasesActive, color: '#0ea5e9' }]), 'groups');
    var mismatch = {};
    d.steps.forEach(function (st) {
      Object.keys(st.metrics).forEach(function (k) { if (k.indexOf('sampling/') === 0) (mismatch[k] = mismatch[k] || []).push([st.step, metric(st, k)]); });
    });
    lineChart($('chart-mismatch'), Object.keys(mismatch).sort().map(function (k, i) {
      return { name: k, color: MISMATCH_COLORS[i % MISMATCH_COLORS.length], points: mismatch[k] };
    }), { what: 'mismatch metrics from the learner', xLabel: 'step', integerX: true });
    workersTable(d.workers);
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
