/**
 * The rating page's browser script, as a string the page inlines (no CDN, no build step). Plain ES2020 on purpose.
 * State the browser test reads: body[data-state] = loading | login | item | empty, body[data-completion] (the id
 * shown), body[data-rated] (ratings given in this page).
 */
export const RATE_JS = String.raw`
(function () {
  'use strict';
  var KEY = 'cohort.rater.key';
  var EMPTY_POLL_MS = 4000;
  var body = document.body;
  var item = null, rated = 0, busy = false, emptyTimer = null;

  function $(id) { return document.getElementById(id); }
  function key() { return localStorage.getItem(KEY); }
  function task() { return $('task').value; }
  function skipKey() { return 'cohort.rater.skip.' + task(); }
  function skipped() { try { return JSON.parse(sessionStorage.getItem(skipKey()) || '[]'); } catch (e) { return []; } }
  function say(msg, error) { $('status').textContent = msg; $('status').className = error ? 'error' : ''; }
  function state(s) {
    body.dataset.state = s;
    $('rating').hidden = s !== 'item';
    $('empty').hidden = s !== 'empty';
    $('login').hidden = s !== 'login';
  }

  function api(method, path, payload) {
    var headers = {};
    if (key()) headers.authorization = 'Bearer ' + key();
    if (payload !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: method, headers: headers, body: payload === undefined ? undefined : JSON.stringify(payload) })
      .then(function (res) {
        if (res.status === 204) return { status: 204, json: null };
        return res.json().then(function (json) { return { status: res.status, json: json }; });
      });
  }
  function refused(r) {
    if (r.status !== 401 && r.status !== 403) return false;
    localStorage.removeItem(KEY);
    showLogin((r.json && r.json.detail) || 'This key was refused.');
    return true;
  }
  function showLogin(msg) {
    state('login');
    $('login-msg').textContent = msg || '';
    $('login-key').focus();
  }

  // ── key or invitation from the fragment (never sent to the server), else the stored one, else the form ──
  function join(code) {
    return api('POST', '/v1/join', { code: code }).then(function (r) {
      if (r.status !== 201) { showLogin((r.json && r.json.detail) || 'The invitation was refused.'); return false; }
      if (r.json.role !== 'rater') { showLogin('This invitation is for a ' + r.json.role + ', not a rater.'); return false; }
      localStorage.setItem(KEY, r.json.key);
      say('Welcome: you joined with an invitation. Your key is kept in this browser.');
      return true;
    });
  }
  function fromFragment() {
    var m = /(?:^#|&)(key|invite)=([^&]+)/.exec(location.hash);
    if (!m) return Promise.resolve(true);
    history.replaceState(null, '', location.pathname + location.search);
    var v = decodeURIComponent(m[2]);
    if (m[1] === 'invite') return join(v);
    localStorage.setItem(KEY, v);
    return Promise.resolve(true);
  }

  // ── tasks, stats, items ──
  function loadTasks() {
    return api('GET', '/v1/ratings/tasks').then(function (r) {
      if (refused(r)) return false;
      var sel = $('task');
      while (sel.firstChild) sel.removeChild(sel.firstChild);
      r.json.tasks.forEach(function (t) {
        var o = document.createElement('option');
        o.value = t.name; o.textContent = t.name + ' (' + t.quorum + ' ratings each)';
        sel.appendChild(o);
      });
      var wanted = new URLSearchParams(location.search).get('task');
      if (wanted && r.json.tasks.some(function (t) { return t.name === wanted; })) sel.value = wanted;
      if (!r.json.tasks.length) { state('empty'); say('No task takes ratings yet.'); return false; }
      return true;
    });
  }
  function loadStats() {
    return api('GET', '/v1/ratings/me?task=' + encodeURIComponent(task())).then(function (r) {
      if (r.status !== 200) return;
      var s = r.json, text = 'You rated ' + s.ratings + ' in this task';
      text += s.compared
        ? ' · you agree with the other raters on ' + s.agreed + ' of ' + s.compared + ' compared (' + Math.round(100 * s.agreementRate) + '%)'
        : ' · agreement shows once answers you rated have 3 ratings';
      if (s.flagged) text += ' · your ratings often differ from the others’';
      $('stats').textContent = text;
      body.dataset.agreed = String(s.agreed);
    });
  }
  function next() {
    clearTimeout(emptyTimer);
    var skip = skipped();
    var q = '/v1/ratings/next?task=' + encodeURIComponent(task()) + (skip.length ? '&skip=' + skip.slice(-200).join(',') : '');
    return api('GET', q).then(function (r) {
      if (refused(r)) return;
      if (r.status === 204) {
        item = null; state('empty'); body.dataset.completion = '';
        emptyTimer = setTimeout(next, EMPTY_POLL_MS);
        return;
      }
      if (r.status !== 200) { say(r.json.detail, true); return; }
      item = r.json;
      $('prompt').textContent = item.prompt.text;
      $('completion').textContent = item.completion.text;
      $('score').value = '0.5'; $('score-out').textContent = '0.50';
      body.dataset.completion = String(item.completionId);
      state('item');
      if (!$('rating').contains(document.activeElement)) $('score').focus();
    });
  }
  function rate(score) {
    if (!item || busy) return;
    busy = true;
    var id = item.completionId;
    api('POST', '/v1/ratings', { completionId: id, score: score }).then(function (r) {
      busy = false;
      if (refused(r)) return;
      if (r.status === 201) {
        rated++; body.dataset.rated = String(rated);
        say('Rated ' + score + '.' + (r.json.group.status === 'ready' ? ' That group is complete and goes to training.' : ''));
      } else say(r.json.detail + ' — showing the next one.', r.status !== 409);
      next(); loadStats();
    }, function (e) { busy = false; say('Network error: ' + e.message, true); });
  }
  function skip() {
    if (!item) return;
    var s = skipped(); s.push(item.completionId);
    sessionStorage.setItem(skipKey(), JSON.stringify(s));
    say('Skipped.');
    next();
  }

  // ── controls ──
  $('score').addEventListener('input', function () { $('score-out').textContent = Number($('score').value).toFixed(2); });
  $('rate-form').addEventListener('submit', function (ev) { ev.preventDefault(); rate(Number($('score').value)); });
  Array.prototype.forEach.call(document.querySelectorAll('[data-score]'), function (b) {
    b.addEventListener('click', function () { rate(Number(b.dataset.score)); });
  });
  $('skip').addEventListener('click', skip);
  $('task').addEventListener('change', function () { next(); loadStats(); });
  document.addEventListener('keydown', function (ev) {
    if (body.dataset.state !== 'item' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.target && (ev.target.tagName === 'SELECT' || ev.target.type === 'password' || ev.target.type === 'text')) return;
    if (ev.key >= '1' && ev.key <= '5') { ev.preventDefault(); rate((Number(ev.key) - 1) / 4); }
    else if (ev.key === 's' || ev.key === 'S') { ev.preventDefault(); skip(); }
    else if (ev.key === 'Enter' && ev.target === $('score')) { ev.preventDefault(); rate(Number($('score').value)); }
  });
  $('login').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var v = $('login-key').value.trim();
    if (!v) return;
    $('login-key').value = '';
    (v.indexOf('ci_') === 0 ? join(v) : Promise.resolve(localStorage.setItem(KEY, v))).then(start);
  });
  $('forget').addEventListener('click', function () { localStorage.removeItem(KEY); showLogin('Key forgotten.'); });

  function start(ok) {
    if (ok === false) return;
    if (!key()) { showLogin(); return; }
    loadTasks().then(function (have) { if (have) { next(); loadStats(); } });
  }
  fromFragment().then(start);
})();
`
