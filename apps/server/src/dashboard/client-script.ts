/**
 * The page's own script (plain ES5-level JavaScript, run by the browser as it is): it keeps the
 * samples, draws uPlot charts with the 429s and cooldowns marked (throughput, concurrency, latency;
 * rate windows, worker threads and pipeline stages once the run has them), and fills the counters,
 * the panels and the workers' shares. Live, it reads `events` (EventSource reconnects by itself with
 * `Last-Event-ID`); in a report it reads the data inlined beside it. `window.__boundkit` holds its
 * state, for a look from the console.
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';
  var MAX = 3600;
  var state = { samples: [], view: null };
  window.__boundkit = state;
  var charts = null;
  var $ = function (id) { return document.getElementById(id); };

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '\\u2013';
    if (ms < 1000) return Math.round(ms) + ' ms';
    var s = ms / 1000;
    if (s < 60) return s.toFixed(1) + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + Math.round(s % 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }
  function num(n) { return n === null || n === undefined ? '\\u2013' : Number(n).toLocaleString('en-US'); }
  function rate(r) { return (r >= 10 ? Math.round(r) : r.toFixed(1)) + '/s'; }
  function text(id, value) { var el = $(id); if (el.textContent !== String(value)) el.textContent = value; }

  // 429s (a red line at each second with new ones) and cooldowns (an orange band), on every chart.
  function marks() {
    return { hooks: { drawClear: [function (u) {
      var s = state.samples, ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, n = 0;
      ctx.save();
      for (var i = 0; i < s.length; i++) {
        var x = u.valToPos(s[i].t, 'x', true);
        if (s[i].coolingDown) {
          var x0 = i > 0 ? u.valToPos(s[i - 1].t, 'x', true) : x - 2;
          ctx.fillStyle = 'rgba(255,150,0,0.2)';
          ctx.fillRect(x0, top, Math.max(2, x - x0), h);
        }
        if (s[i].rateLimited > (i > 0 ? s[i - 1].rateLimited : 0)) {
          ctx.fillStyle = 'rgba(210,30,30,0.85)';
          ctx.fillRect(x - 1, top, 2, h);
          n++;
        }
      }
      ctx.restore();
      u.root.setAttribute('data-marks-429', String(n));
    }] } };
  }

  // The clock time of a point: the run's start plus its seconds (shown on hover).
  function clock(t) {
    if (t === null || t === undefined || !state.view) return '\\u2013';
    return new Date(state.view.startedAt + t * 1000).toLocaleTimeString() + ' (' + t + ' s)';
  }
  function chart(id, title, yLabel, series) {
    var el = $(id);
    el.hidden = false;
    var opts = {
      title: title, width: Math.max(360, el.clientWidth || 480), height: 220, plugins: [marks()],
      scales: { x: { time: false } }, axes: [{ label: 'seconds since start' }, { label: yLabel }],
      series: [{ label: 'time', value: function (u, t) { return clock(t); } }].concat(series)
    };
    var data = [[]];
    for (var i = 0; i < series.length; i++) data.push([]);
    return new uPlot(opts, data, el);
  }

  var COLORS = ['#1f6fd1', '#d1721f', '#2a9d2a', '#9b3fc4', '#c22'];
  function windowSeries(view) {
    return view.windows.map(function (w, i) {
      return { label: w.label + ' used (% of ' + num(w.limit) + ')', stroke: COLORS[i % COLORS.length] };
    });
  }
  function makeCharts() {
    return {
      rate: chart('chart-rate', 'Throughput', 'items/s', [
        { label: 'finished/s (5 s)', stroke: COLORS[0], width: 2 },
        { label: 'failed (total)', stroke: COLORS[4], scale: 'failed' }
      ]),
      concurrency: chart('chart-concurrency', 'Concurrency', 'requests', [
        { label: 'limit', stroke: COLORS[1], width: 2 }, { label: 'in flight', stroke: COLORS[0] },
        { label: 'queued', stroke: '#888', scale: 'queued' }
      ]),
      latency: chart('chart-latency', 'Latency (last 10 s)', 'ms', [
        { label: 'p50', stroke: COLORS[2] }, { label: 'p90', stroke: COLORS[1] }, { label: 'p99', stroke: COLORS[4] }
      ])
    };
  }

  function column(key) { return state.samples.map(function (s) { return s[key]; }); }
  function part(key, field) { return state.samples.map(function (s) { return s[key] ? s[key][field] : null; }); }
  function seen(key) { for (var i = state.samples.length - 1; i >= 0; i--) if (state.samples[i][key]) return true; return false; }

  function draw() {
    var s = state.samples, v = state.view;
    if (!v) return;
    if (!charts) charts = makeCharts();
    var t = column('t');
    charts.rate.setData([t, column('rate'), column('failed')]);
    charts.concurrency.setData([t, column('concurrency'), column('inFlight'), column('queued')]);
    // Rate windows: only for a run with --rpm / --tpm / --rate.
    if (!charts.windows && v.windows.length) {
      charts.windows = chart('chart-windows', 'Rate windows', '% of limit', windowSeries(v));
      charts.windowCount = v.windows.length;
    }
    if (charts.windows) {
      var w = [t];
      for (var i = 0; i < charts.windowCount; i++) w.push(s.map(function (x) { return x.windowUse.length > i ? Math.round(x.windowUse[i] * 1000) / 10 : null; }));
      charts.windows.setData(w);
    }
    charts.latency.setData([t, column('p50'), column('p90'), column('p99')]);
    if (!charts.pool && seen('pool')) charts.pool = chart('chart-pool', 'Worker threads', 'threads / tasks', [
      { label: 'busy', stroke: COLORS[0], width: 2 }, { label: 'alive', stroke: '#888' }, { label: 'queue', stroke: COLORS[1], scale: 'queue' }
    ]);
    if (charts.pool) charts.pool.setData([t, part('pool', 'busy'), part('pool', 'threads'), part('pool', 'queued')]);
    if (!charts.stages && seen('stages')) charts.stages = chart('chart-stages', 'Pipeline stages', 'items', [
      { label: 'fetching', stroke: COLORS[0], width: 2 }, { label: 'buffered', stroke: COLORS[1] }, { label: 'processing', stroke: COLORS[2], width: 2 }
    ]);
    if (charts.stages) charts.stages.setData([t, part('stages', 'fetching'), part('stages', 'buffered'), part('stages', 'processing')]);
    if (!charts.tokens && v.tokens) charts.tokens = chart('chart-tokens', 'Tokens per minute', 'tokens (last 60 s)', [
      { label: 'tokens / min', stroke: COLORS[3], width: 2 }, { label: 'limit', stroke: '#888', dash: [4, 4] }
    ]);
    if (charts.tokens) charts.tokens.setData([t, column('tokensPerMinute'), s.map(function () { return v.tokens && v.tokens.limitPerMinute; })]);
  }

  function rows(id, list, cells) {
    var body = $(id).tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    list.forEach(function (item) {
      var row = body.insertRow();
      cells(item).forEach(function (c) { row.insertCell().textContent = c; });
    });
  }
  function pct(x) { return (Math.round(x * 1000) / 10) + '%'; }

  function panels(v) {
    $('pool-cards').hidden = !v.pool;
    if (v.pool) {
      text('poolBusy', v.pool.busy + ' of ' + v.pool.threads); text('poolQueued', num(v.pool.queued));
      text('poolUtilization', pct(v.pool.utilization)); text('poolCompleted', num(v.pool.done));
      text('poolFailed', num(v.pool.failed) + (v.pool.crashed ? ' (' + v.pool.crashed + ' crashed)' : ''));
      text('poolRun', fmtMs(v.pool.runP50) + ' / ' + fmtMs(v.pool.runP99));
    }
    $('pipeline-cards').hidden = !v.pipeline;
    if (v.pipeline) {
      text('stageFetching', num(v.pipeline.fetching)); text('stageBuffered', num(v.pipeline.buffered));
      text('stageProcessing', num(v.pipeline.processing)); text('stageFetched', num(v.pipeline.fetched) + (v.pipeline.fetchFailed ? ' (' + v.pipeline.fetchFailed + ' failed)' : ''));
      text('stageOverlap', fmtMs(v.pipeline.overlapMs)); text('stageMaxBuffered', num(v.pipeline.maxBuffered));
    }
    $('workers-section').hidden = !v.workers;
    if (v.workers) rows('workers', v.workers, function (w) {
      var l = w.live;
      if (!l) return [w.name, '\u2013', num(w.done), num(w.failed), '\u2013', '\u2013', 'not reporting', pct(w.share)];
      var limiter = l.limiter.running + ' running, ' + l.limiter.queued + ' waiting' + (l.limiter.coolingDown ? ', cooling down' : '');
      return [w.name, num(l.inFlight), num(w.done), num(w.failed), num(l.rateLimited), num(l.concurrency), limiter, pct(w.share)];
    });
    $('endpoints-section').hidden = !v.endpoints;
    if (v.endpoints) rows('endpoints', v.endpoints, function (e) {
      return [e.name, num(e.requests), num(e.tokens), num(e.rateLimited), money(e.costUsd), num(e.drains), num(e.refused || 0), endpointState(e)];
    });
  }

  function endpointState(e) {
    var out = e.takenOut || [];
    var all = out.filter(function (o) { return o.model === null; })[0];
    if (all) return 'taken out (' + all.status + ')';
    var models = out.map(function (o) { return o.model + ' (' + o.status + ')'; });
    var state = e.drained ? 'drained' : 'taking requests';
    return models.length === 0 ? state : state + ', not for ' + models.join(', ');
  }
  function money(usd) { return usd === null || usd === undefined ? 'no price' : '$' + usd.toFixed(4); }
  function spending(v) {
    $('tokens-card').hidden = !v.tokens;
    if (v.tokens) text('tokensPerMinute', num(v.tokens.perMinute) + (v.tokens.limitPerMinute ? ' of ' + num(v.tokens.limitPerMinute) : ''));
    $('cost-card').hidden = !v.cost;
    if (v.cost) text('cost', money(v.cost.usd) + (v.cost.maxUsd !== null ? ' of ' + money(v.cost.maxUsd) : ''));
    $('unwritten-card').hidden = !v.unwritten;
    if (v.unwritten) text('unwritten', num(v.unwritten));
    var reasons = Object.keys(v.retryReasons || {});
    $('retry-reasons').hidden = reasons.length === 0;
    if (reasons.length) text('retry-reasons', 'Retries by reason: ' + reasons.map(function (r) { return r + ' ' + num(v.retryReasons[r]); }).join(' \\u00b7 '));
  }

  function fill() {
    var v = state.view;
    if (!v) return;
    text('label', v.label); text('phase', v.phase);
    text('detail', v.detail + ' \\u00b7 started ' + new Date(v.startedAt).toLocaleString() + (v.limits ? ' \\u00b7 ' + v.limits : ''));
    $('command').hidden = !v.command;
    if (v.command) text('command', v.command);
    spending(v);
    $('left-card').hidden = v.total === null; $('eta-card').hidden = v.total === null;
    text('done', num(v.done)); text('failed', num(v.failed)); text('inFlight', num(v.inFlight));
    text('queued', num(v.queued)); if (v.total !== null) text('left', num(Math.max(0, v.total - v.done - v.failed)));
    text('rateNow', rate(v.rateNow)); text('rateAverage', rate(v.rateAverage));
    text('eta', v.finished ? 'done' : fmtMs(v.etaMs)); text('elapsed', fmtMs(v.elapsedMs));
    text('concurrency', v.concurrency ? num(v.concurrency) : '\\u2013');
    text('requests', num(v.requests)); text('retries', num(v.retries));
    text('rateLimited', num(v.rateLimited)); text('cooldowns', num(v.cooldowns) + (v.cooldownMs ? ' (' + fmtMs(v.cooldownMs) + ')' : ''));
    text('latency', 'p50 ' + fmtMs(v.latency.p50) + ' \\u00b7 p90 ' + fmtMs(v.latency.p90) + ' \\u00b7 p99 ' + fmtMs(v.latency.p99));
    rows('errors', v.errors, function (e) { return [e.code, num(e.count), num(e.retried), e.sample]; });
    panels(v);
    if (v.finished) status(v.interrupted ? 'interrupted' : 'finished', '');
  }

  function status(words, cls) { var el = $('status'); el.textContent = words; el.className = cls; }
  function render() { fill(); draw(); }
  function add(samples) {
    var last = state.samples.length ? state.samples[state.samples.length - 1].id : 0;
    samples.forEach(function (s) { if (s.id > last) state.samples.push(s); });
    // Past MAX, the older half is thinned to every other sample, as the server keeps them: the
    // charts keep the whole run, at half the resolution there.
    if (state.samples.length > MAX) {
      var half = state.samples.length >> 1;
      var older = state.samples.splice(0, half).filter(function (_, i) { return i % 2 === 1; });
      state.samples = older.concat(state.samples);
    }
  }

  if (window.__BOUNDKIT_REPORT__) {
    add(window.__BOUNDKIT_REPORT__.samples);
    state.view = window.__BOUNDKIT_REPORT__.view;
    render();
    return;
  }
  status('connecting', '');
  var events = new EventSource('events');
  events.addEventListener('history', function (e) {
    var d = JSON.parse(e.data);
    // Another run at this address (a page left open across runs): its samples start over.
    if (!d.resumed || (state.view && state.view.startedAt !== d.view.startedAt)) state.samples.length = 0;
    add(d.samples);
    state.view = d.view;
    status('live', 'live');
    render();
  });
  events.addEventListener('sample', function (e) {
    var d = JSON.parse(e.data);
    add([d.sample]);
    state.view = d.view;
    render();
  });
  events.onerror = function () {
    if (state.view && state.view.finished) { events.close(); return; }
    status('reconnecting', 'lost');
  };
})();
`
