/**
 * The live demo page `GET /demo`: one self-contained HTML document (inline CSS and
 * script, no request to any other origin) with one pane per served technique, each a
 * real browser client of this server: fetch polling, a fetch long-poll loop, an
 * EventSource and a WebSocket. The page reads the server's clock from `GET /` and its
 * byte counters from `GET /stats`. Everything the page shows from server data goes in
 * through textContent; the only data in the markup is the config, as escaped JSON.
 */
import { PATHS, TECHNIQUES, type TechniqueId } from '../core/protocol.ts';

export interface DemoPageConfig {
  techniques: readonly TechniqueId[];
  /** Broadcast messages per second the server publishes (0: only what is POSTed). */
  rate: number;
  payloadBytes: number;
}

/** What each pane says about its technique. */
interface PaneText {
  title: string;
  /** The request the client makes, shown as code. */
  wire: string;
  /** How a message reaches the page, in plain words. */
  how: string;
  /** Whether the client asks (requests that may come back empty) or is pushed to. */
  asks: boolean;
}

const PANES: Readonly<Record<TechniqueId, PaneText>> = {
  polling: {
    title: 'Short polling',
    wire: `GET ${PATHS.polling}?since=N`,
    how: 'The page asks "anything after N?" on a timer. The server answers at once, with the new messages or an empty [], a full HTTP request and response either way. A message waits for the next poll.',
    asks: true,
  },
  longpoll: {
    title: 'Long polling',
    wire: `GET ${PATHS.longpoll}?since=N, again at once`,
    how: 'The page asks "anything after N?" and the server holds the request open until a message exists, then answers. The page asks again at once: every message still costs a full HTTP request and response.',
    asks: true,
  },
  sse: {
    title: 'Server-Sent Events',
    wire: `new EventSource('${PATHS.sse}')`,
    how: 'One HTTP request opens a response that never ends (text/event-stream). The server writes each message into it as an id:/data: event, a few bytes of framing. Server to page only.',
    asks: false,
  },
  websocket: {
    title: 'WebSocket',
    wire: `new WebSocket('ws://host${PATHS.websocket}')`,
    how: 'One HTTP request upgrades the connection to WebSocket. After that each message is one frame whose header is 2 bytes, and either side may send at any time.',
    asks: false,
  },
};

/** Poll intervals the short-polling pane offers, in ms; the second is the default. */
const POLL_INTERVALS_MS = [250, 1000, 5000] as const;
const DEFAULT_POLL_INTERVAL_MS = 1000;

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * JSON safe inside `<script type="application/json">`: `<` becomes `\u003c`, so no
 * string can close the element or open a comment; JSON.parse still reads the same value.
 * (core/html.ts has the same rule; servers/ may not import reports/.)
 */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The demo page for a server serving `config.techniques`; panes appear for those only, in the usual order. */
export function renderDemoPage(config: DemoPageConfig): string {
  const served = TECHNIQUES.filter((id) => config.techniques.includes(id));
  const panes = served.length === 0 ? '<p>This server serves no technique the page knows.</p>' : served.map(renderPane).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:">
<link rel="icon" href="data:,">
<title>pushbench live demo: polling, long polling, SSE and WebSocket side by side</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>Polling, long polling, Server-Sent Events and WebSocket, live</h1>
<p class="lead" data-field="feed">The server publishes <strong data-field="rate">?</strong> messages per second, each with a <strong data-field="payload">?</strong>-byte payload. Each pane below is a real client in this page, receiving the same messages from the same server.</p>
<p class="watch"><strong>What to watch:</strong> short polling's requests that come back empty and its messages arriving up to one interval late, long polling's full HTTP request and response for every message, and how few bytes SSE's events and WebSocket's tiny frames add to each message.</p>
<p class="meta">Latency is the time from publishing on the server to arriving in this page. The page set its clock against the server's from one <code>GET /</code> when it loaded, so each latency is an estimate, within <span data-field="clock">?</span> (half that request's round trip).</p>
</header>
<div class="panes">
${panes}
</div>
<footer class="meta">
<p>Bytes on the wire are counted by the server: what each socket read (up, browser to server) and wrote (down), the exact TCP payload, for every connection under the endpoint it first served. They include connection setup (the SSE response head, the WebSocket handshake) and every client of that technique, so another open demo page or a curl adds to them. Bytes per message is that total divided by the messages the server wrote to those clients. The page refreshes them from <code>GET ${esc(PATHS.stats)}</code> every 2 s; its own requests (this page, <code>GET /</code> and <code>${esc(PATHS.stats)}</code>) are counted under <code>other</code>, not under a technique: <span data-field="other-up">0 B</span> up, <span data-field="other-down">0 B</span> down so far.</p>
</footer>
</main>
<script type="application/json" id="pushbench-demo-config">${jsonForScript(config)}</script>
<script>${DEMO_SCRIPT}</script>
</body>
</html>
`;
}

function renderPane(id: TechniqueId): string {
  const text = PANES[id];
  const wire =
    id === 'polling'
      ? `<code>${esc(text.wire)}</code> every <select data-field="interval" aria-label="poll interval">${POLL_INTERVALS_MS.map(
          (ms) => `<option value="${ms}"${ms === DEFAULT_POLL_INTERVAL_MS ? ' selected' : ''}>${ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}</option>`,
        ).join('')}</select>`
      : `<code>${esc(text.wire)}</code>`;
  const asked = text.asks
    ? `<tr><th scope="row">Requests made</th><td class="num" data-field="requests">0</td></tr>
<tr><th scope="row">Empty answers</th><td class="num" data-field="empty">0</td></tr>`
    : `<tr><th scope="row">Connections opened</th><td class="num" data-field="requests">0</td></tr>
<tr><th scope="row">Empty answers</th><td class="num na" title="nothing is asked: the server pushes">none</td></tr>`;
  return `<section class="pane" data-technique="${esc(id)}" aria-labelledby="pane-${esc(id)}">
<h2 id="pane-${esc(id)}">${esc(text.title)}</h2>
<p class="wire">${wire}</p>
<p class="how">${esc(text.how)}</p>
<p class="state" data-field="state">starting</p>
<table class="figures">
<colgroup><col class="label"><col class="value"></colgroup>
<tbody>
<tr><th scope="row">Messages received</th><td class="num" data-field="received">0</td></tr>
${asked}
<tr><th scope="row">Lost (gaps in seq)</th><td class="num" data-field="lost">0</td></tr>
<tr><td colspan="2"><ol class="seqs" data-field="seqs" aria-label="latest seqs, newest first"></ol></td></tr>
</tbody>
<tbody>
<tr class="group"><th colspan="2">Latency, publish to page</th></tr>
<tr><th scope="row">Last</th><td class="num" data-field="latency-last">–</td></tr>
<tr><th scope="row">Mean</th><td class="num" data-field="latency-mean">–</td></tr>
<tr><th scope="row">Max</th><td class="num" data-field="latency-max">–</td></tr>
</tbody>
<tbody>
<tr class="group"><th colspan="2">Bytes on the wire (server count)</th></tr>
<tr><th scope="row">Up, to the server</th><td class="num" data-field="bytes-up">–</td></tr>
<tr><th scope="row">Down, to the page</th><td class="num" data-field="bytes-down">–</td></tr>
<tr><th scope="row">Per message</th><td class="num" data-field="bytes-per-message">–</td></tr>
</tbody>
</table>
</section>`;
}

// The look of reports/html.ts: plain, black on white, system fonts, thin rules, printable.
const CSS = `
:root { color-scheme: light; --fg: #1a1a1a; --muted: #555; --line: #d0d0d0; --bg-alt: #f5f5f5; --bad: #a40000; --flash: #ffe08a; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.7rem; line-height: 1.2; margin: 0 0 .5rem; }
header p { max-width: 60rem; margin: .4rem 0; }
code { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .88em; }
.meta { color: var(--muted); font-size: .9rem; }
footer { margin-top: 1.5rem; }
footer p { max-width: 60rem; }
.panes { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 1rem; margin-top: 1.25rem; }
.pane { border: 1px solid var(--line); padding: .75rem .9rem; }
.pane h2 { font-size: 1.2rem; margin: 0 0 .4rem; padding-bottom: .2rem; border-bottom: 2px solid var(--fg); }
.pane .wire { margin: 0 0 .4rem; font-size: .9rem; }
.pane .wire code { background: var(--bg-alt); padding: .05rem .3rem; }
.pane .how { font-size: .9rem; margin: 0 0 .5rem; min-height: 8.5em; }
.pane .state { font-size: .85rem; color: var(--muted); margin: 0 0 .4rem; }
.pane .state.bad { color: var(--bad); }
select { font: inherit; font-size: .9rem; }
table.figures { border-collapse: collapse; table-layout: fixed; width: 100%; font-size: .9rem; }
table.figures col.value { width: 7.5em; }
table.figures th, table.figures td { border: 1px solid var(--line); padding: .2rem .45rem; text-align: left; vertical-align: top; }
table.figures th[scope="row"] { font-weight: normal; }
table.figures tr.group th { background: var(--bg-alt); font-weight: 600; }
table.figures td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.figures td.na { color: var(--muted); }
/* One row of seqs, newest first: the ones that do not fit wrap out of sight. */
ol.seqs { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; margin: 0; padding: 0; height: 1.45rem; overflow: hidden; }
ol.seqs li { border: 1px solid var(--line); padding: 0 .3rem; font-size: .8rem; line-height: 1.3rem; font-variant-numeric: tabular-nums; white-space: nowrap; }
ol.seqs li.new { animation: arrive 1.2s ease-out; }
@keyframes arrive { from { background: var(--flash); border-color: var(--fg); } to { background: transparent; } }
@media (prefers-reduced-motion: reduce) { ol.seqs li.new { animation: none; } }
@media (max-width: 1100px) { .panes { grid-template-columns: repeat(2, minmax(0, 1fr)); } .pane .how { min-height: 0; } }
@media (max-width: 600px) { .panes { grid-template-columns: 1fr; } }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .panes { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .pane { break-inside: avoid; }
  ol.seqs li.new { animation: none; }
}`;

/**
 * The page's script: plain ES2017 without template literals (it lives inside one). Each
 * pane's client feeds `deliver`; the DOM is refreshed at most every 100 ms, so a high
 * publish rate does not turn into one layout per message.
 */
const DEMO_SCRIPT = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('pushbench-demo-config').textContent);
  var LATEST_SEQS = 8;
  var RETRY_MS = 2000;
  var STATS_EVERY_MS = 2000;
  /** Server monotonic µs minus performance.now() µs, from GET / at load. */
  var offsetMicros = 0;

  function fmtInt(n) { return Math.round(n).toLocaleString('en-US'); }
  function fmtMs(ms) { return ms.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) + ' ms'; }
  function fmtBytes(b) {
    if (b < 100000) return fmtInt(b) + ' B';
    if (b < 100 * 1048576) return (b / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' KiB';
    return (b / 1048576).toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' MiB';
  }
  function fmtInterval(ms) { return ms < 1000 ? ms + ' ms' : (ms / 1000) + ' s'; }

  function setText(el, text) { if (el && el.textContent !== text) el.textContent = text; }
  function headerField(name) { return document.querySelector('header [data-field="' + name + '"], footer [data-field="' + name + '"]'); }

  /** One pane: its counters, its DOM fields, and what arrived since the last repaint. */
  function Pane(el) {
    this.el = el;
    this.id = el.getAttribute('data-technique');
    this.fields = {};
    var nodes = el.querySelectorAll('[data-field]');
    for (var i = 0; i < nodes.length; i++) this.fields[nodes[i].getAttribute('data-field')] = nodes[i];
    this.received = 0;
    this.requests = 0;
    this.empty = 0;
    this.lost = 0;
    this.lastSeq = null;
    /** Server-clock µs when the client started: messages published before are caught up, not pushed, and get no latency. */
    this.startedMicros = Infinity;
    this.latencyCount = 0;
    this.latencyLastMs = null;
    this.latencySumMs = 0;
    this.latencyMaxMs = -Infinity;
    this.arrived = [];
    this.state = 'starting';
    this.stateBad = false;
  }

  Pane.prototype.deliver = function (msg) {
    if (typeof msg !== 'object' || msg === null || typeof msg.seq !== 'number' || typeof msg.t !== 'number') return;
    var arrivedMicros = performance.now() * 1000 + offsetMicros;
    if (this.lastSeq !== null) {
      if (msg.seq <= this.lastSeq) return; // already shown (a resumed stream repeats nothing, but be safe)
      if (msg.seq > this.lastSeq + 1) this.lost += msg.seq - this.lastSeq - 1;
    }
    this.lastSeq = msg.seq;
    this.received++;
    if (msg.t >= this.startedMicros) {
      var latencyMs = (arrivedMicros - msg.t) / 1000;
      this.latencyCount++;
      this.latencyLastMs = latencyMs;
      this.latencySumMs += latencyMs;
      if (latencyMs > this.latencyMaxMs) this.latencyMaxMs = latencyMs;
    }
    this.arrived.push(msg.seq);
    if (this.arrived.length > LATEST_SEQS) this.arrived.shift();
    scheduleRepaint();
  };

  Pane.prototype.start = function () {
    this.startedMicros = performance.now() * 1000 + offsetMicros;
  };

  Pane.prototype.setState = function (text, bad) {
    this.state = text;
    this.stateBad = !!bad;
    scheduleRepaint();
  };

  Pane.prototype.repaint = function () {
    var f = this.fields;
    setText(f.received, fmtInt(this.received));
    setText(f.requests, fmtInt(this.requests));
    setText(f.empty, fmtInt(this.empty));
    setText(f.lost, fmtInt(this.lost));
    setText(f.state, this.state);
    if (f.state) f.state.className = this.stateBad ? 'state bad' : 'state';
    if (this.latencyCount > 0) {
      setText(f['latency-last'], fmtMs(this.latencyLastMs));
      setText(f['latency-mean'], fmtMs(this.latencySumMs / this.latencyCount));
      setText(f['latency-max'], fmtMs(this.latencyMaxMs));
    }
    var list = f.seqs;
    if (list) {
      for (var i = 0; i < this.arrived.length; i++) {
        var item = document.createElement('li');
        item.className = 'new';
        item.textContent = '#' + this.arrived[i];
        list.insertBefore(item, list.firstChild);
      }
      while (list.childNodes.length > LATEST_SEQS) list.removeChild(list.lastChild);
      this.arrived = [];
    }
  };

  Pane.prototype.showBytes = function (bytes, counters) {
    var f = this.fields;
    var up = bytes ? bytes.up : 0;
    var down = bytes ? bytes.down : 0;
    var written = counters ? counters.messagesWritten : 0;
    setText(f['bytes-up'], fmtBytes(up));
    setText(f['bytes-down'], fmtBytes(down));
    setText(f['bytes-per-message'], written > 0 ? fmtInt((up + down) / written) + ' B' : '–');
  };

  var panes = [];
  var paneEls = document.querySelectorAll('.pane[data-technique]');
  for (var i = 0; i < paneEls.length; i++) panes.push(new Pane(paneEls[i]));

  var repaintTimer = null;
  function scheduleRepaint() {
    if (repaintTimer === null) repaintTimer = setTimeout(repaint, 100);
  }
  function repaint() {
    repaintTimer = null;
    panes.forEach(function (pane) { pane.repaint(); });
  }

  /** GET with a JSON answer; resolves { status, body } (body null when it is not JSON). */
  function getJson(path, init) {
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        return { status: res.status, body: body };
      });
    });
  }

  /** Where to resume after an answer that is not 200: 410 says the oldest seq kept, 400 the newest. */
  function resumeAfter(answer, since) {
    var body = answer.body || {};
    if (answer.status === 410 && typeof body.oldest === 'number') return body.oldest - 1;
    if (answer.status === 400 && typeof body.head === 'number') return body.head;
    return since;
  }

  function describe(answer) {
    return 'answered ' + answer.status + (answer.body && answer.body.error ? ': ' + answer.body.error : '');
  }

  // Short polling: one request at a time, started every interval (sooner never, later when a response is slow).
  function startPolling(pane, since) {
    pane.start();
    var select = pane.fields.interval;
    var intervalMs = select ? Number(select.value) : 1000;
    var timer = null;
    var lastStart = 0;
    var inFlight = false;
    function schedule() {
      timer = setTimeout(poll, Math.max(0, intervalMs - (performance.now() - lastStart)));
    }
    function poll() {
      timer = null;
      inFlight = true;
      lastStart = performance.now();
      pane.requests++;
      // credentials 'omit' puts these requests in their own connection pool, so the
      // browser never lends this connection to the long poll or SSE (bytes stay apart).
      getJson('${PATHS.polling}?since=' + since, { cache: 'no-store', credentials: 'omit' }).then(function (answer) {
        if (answer.status === 200 && Array.isArray(answer.body)) {
          if (answer.body.length === 0) pane.empty++;
          answer.body.forEach(function (msg) { pane.deliver(msg); });
          if (pane.lastSeq !== null && pane.lastSeq > since) since = pane.lastSeq;
          pane.setState('polling every ' + fmtInterval(intervalMs));
        } else {
          since = resumeAfter(answer, since);
          pane.setState(describe(answer), true);
        }
      }, function (error) {
        pane.setState('request failed (' + error.message + '); polling on', true);
      }).then(function () {
        inFlight = false;
        schedule();
      });
    }
    if (select) {
      select.addEventListener('change', function () {
        intervalMs = Number(select.value);
        pane.setState('polling every ' + fmtInterval(intervalMs));
        if (!inFlight && timer !== null) {
          clearTimeout(timer);
          schedule();
        }
      });
    }
    poll();
  }

  // Long polling: the next request goes out as soon as a response ends.
  function startLongPolling(pane, since) {
    pane.start();
    function poll() {
      pane.requests++;
      pane.setState('request held by the server');
      getJson('${PATHS.longpoll}?since=' + since, { cache: 'no-store' }).then(function (answer) {
        if (answer.status === 200 && Array.isArray(answer.body)) {
          if (answer.body.length === 0) pane.empty++;
          answer.body.forEach(function (msg) { pane.deliver(msg); });
          if (pane.lastSeq !== null && pane.lastSeq > since) since = pane.lastSeq;
          poll();
        } else {
          since = resumeAfter(answer, since);
          pane.setState(describe(answer) + '; retrying', true);
          setTimeout(poll, RETRY_MS);
        }
      }, function (error) {
        pane.setState('request failed (' + error.message + '); retrying', true);
        setTimeout(poll, RETRY_MS);
      });
    }
    poll();
  }

  // SSE: EventSource reconnects by itself and resumes with Last-Event-ID.
  function startSse(pane, since, opened) {
    pane.start();
    var source = new EventSource('${PATHS.sse}?since=' + since);
    source.onopen = function () {
      pane.requests++;
      pane.setState('stream open');
      opened();
    };
    source.onmessage = function (event) {
      try { pane.deliver(JSON.parse(event.data)); } catch (e) { pane.setState('unreadable event', true); }
    };
    source.onerror = function () {
      opened();
      pane.setState(source.readyState === EventSource.CLOSED ? 'stream closed' : 'stream lost; the browser reconnects', true);
    };
  }

  // WebSocket: reconnects after a close, from the last seq it saw (4410: from the oldest one kept).
  function startWebSocket(pane, since) {
    pane.start();
    function connect() {
      var socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '${PATHS.websocket}?since=' + since);
      socket.onopen = function () {
        pane.requests++;
        pane.setState('socket open');
      };
      socket.onmessage = function (event) {
        try { pane.deliver(JSON.parse(event.data)); } catch (e) { pane.setState('unreadable frame', true); return; }
        if (pane.lastSeq !== null && pane.lastSeq > since) since = pane.lastSeq;
      };
      socket.onclose = function (event) {
        if (event.code === 4410) {
          try { since = JSON.parse(event.reason).oldest - 1; } catch (e) { /* keep since */ }
        }
        pane.setState('socket closed (' + event.code + '); reconnecting', true);
        setTimeout(connect, RETRY_MS);
      };
    }
    connect();
  }

  /**
   * Starts every pane's client from seq 'since'. The server counts a connection's bytes
   * under the endpoint it first served, and a browser lends an idle connection to the
   * next request of the same pool. Short polling has a pool of its own (credentials
   * 'omit'); long polling shares one with EventSource, so it starts only once the SSE
   * stream holds its own connection, else the stream could take the long poll's.
   */
  function startClients(since) {
    var byId = {};
    panes.forEach(function (pane) { byId[pane.id] = pane; });
    if (byId.polling) startPolling(byId.polling, since);
    if (byId.websocket) startWebSocket(byId.websocket, since);
    var longPollStarted = false;
    function startLongPoll() {
      if (longPollStarted || !byId.longpoll) return;
      longPollStarted = true;
      startLongPolling(byId.longpoll, since);
    }
    if (byId.sse) {
      startSse(byId.sse, since, startLongPoll);
      setTimeout(startLongPoll, 3000); // never wait for ever on a stream that does not open
    } else {
      startLongPoll();
    }
  }

  function pollStats() {
    getJson('${PATHS.stats}', { cache: 'no-store' }).then(function (answer) {
      var stats = answer.body;
      if (answer.status !== 200 || !stats || typeof stats.bytesByRoute !== 'object') return;
      panes.forEach(function (pane) {
        pane.showBytes(stats.bytesByRoute[pane.id], stats.techniques ? stats.techniques[pane.id] : undefined);
      });
      var other = stats.bytesByRoute.other || { up: 0, down: 0 };
      setText(headerField('other-up'), fmtBytes(other.up));
      setText(headerField('other-down'), fmtBytes(other.down));
    }, function () { /* the server may be gone; try again later */ }).then(function () {
      setTimeout(pollStats, STATS_EVERY_MS);
    });
  }

  setText(headerField('rate'), String(config.rate));
  setText(headerField('payload'), fmtInt(config.payloadBytes));
  if (config.rate === 0) {
    setText(headerField('feed'), 'The server publishes nothing on its own (rate 0): messages appear when a client POSTs to ${PATHS.publish}. Each pane below is a real client in this page, receiving the same messages from the same server.');
  }

  /**
   * The send and receive times of the GET / just made. The browser's resource timing
   * has them as the network stack saw them (request sent, first response byte); the
   * times taken around fetch() also count the page's own busy moments, a fallback.
   */
  function requestTimes(url, sentAt, receivedAt) {
    var entries = performance.getEntriesByName(url, 'resource');
    var entry = entries[entries.length - 1];
    if (entry && entry.requestStart > 0 && entry.responseStart >= entry.requestStart) return { sent: entry.requestStart, received: entry.responseStart };
    return { sent: sentAt, received: receivedAt };
  }

  // The server's clock: its 'now' was read between the request's sending and the answer's
  // arrival, so the midpoint of the two is off by at most half the round trip.
  var infoUrl = new URL('${PATHS.info}', location.href).href;
  var sentAt = performance.now();
  fetch(infoUrl, { cache: 'no-store' }).then(function (res) {
    var receivedAt = performance.now();
    return res.json().then(function (info) {
      if (typeof info.now !== 'number' || typeof info.head !== 'number') throw new Error('GET / did not describe a pushbench server');
      var times = requestTimes(infoUrl, sentAt, receivedAt);
      offsetMicros = info.now - ((times.sent + times.received) / 2) * 1000;
      setText(headerField('clock'), '±' + ((times.received - times.sent) / 2).toLocaleString('en-US', { maximumFractionDigits: 2 }) + ' ms');
      startClients(info.head);
      pollStats();
    });
  }).catch(function (error) {
    panes.forEach(function (pane) { pane.setState('cannot read the server (' + error.message + '); reload to retry', true); });
  });
})();`;
