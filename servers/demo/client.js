// @ts-check
/**
 * The live demo's browser client: one real client per pane, of the kind the pane names in
 * `data-client` (`interval-poll`, `held-poll`, `event-stream`, `socket`), requesting the
 * pane's `data-path`. servers/demo-page.ts inlines this file as it is into `GET /demo`; it is a
 * classic script (no module syntax), checked by `npm run typecheck` through its JSDoc.
 *
 * It reads the page config from #pushbench-demo-config ({ techniques, rate, payloadBytes }), the
 * server's other paths from <main data-info-path data-stats-path data-publish-path>, the server's
 * clock from `GET /` and its byte counters from `GET /stats`. Everything it shows goes in through
 * textContent. Each pane's client feeds `deliver`; the DOM is refreshed at most every 100 ms, so
 * a high publish rate does not turn into one layout per message.
 */
(function () {
  'use strict';

  /** @typedef {{ techniques: string[], rate: number, payloadBytes: number }} DemoConfig */
  /** @typedef {{ status: number, body: unknown }} Answer */
  /** @typedef {{ up: number, down: number }} RouteBytes */
  /** @typedef {{ messagesWritten: number, open?: number }} Counters */
  /** @typedef {{ bytesByRoute: Record<string, RouteBytes | undefined>, techniques?: Record<string, Counters | undefined> }} StatsBody */

  const LATEST_SEQS = 8;
  const RETRY_MS = 2000;
  const STATS_EVERY_MS = 2000;
  /** Server monotonic µs minus performance.now() µs, from GET / at load. */
  let offsetMicros = 0;

  /** @param {string} id */
  function byId(id) {
    const el = document.getElementById(id);
    if (el === null) throw new Error(`the demo page has no #${id}`);
    return el;
  }

  /** @type {DemoConfig} */
  const config = JSON.parse(byId('pushbench-demo-config').textContent ?? '{}');
  const main = document.querySelector('main');
  /** @param {string} name @param {string} fallback */
  const pagePath = (name, fallback) => main?.getAttribute(`data-${name}-path`) ?? fallback;
  const INFO_PATH = pagePath('info', '/');
  const STATS_PATH = pagePath('stats', '/stats');
  const PUBLISH_PATH = pagePath('publish', '/publish');
  const MAP_PATH = pagePath('map', '/demo/map');

  /** @param {number} n */
  function fmtInt(n) {
    return Math.round(n).toLocaleString('en-US');
  }
  /** @param {number} ms */
  function fmtMs(ms) {
    return `${ms.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ms`;
  }
  /** @param {number} b */
  function fmtBytes(b) {
    if (b < 100000) return `${fmtInt(b)} B`;
    if (b < 100 * 1048576) return `${(b / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KiB`;
    return `${(b / 1048576).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;
  }
  /** @param {number} ms */
  function fmtInterval(ms) {
    return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
  }

  /** @param {Element | null | undefined} el @param {string} text */
  function setText(el, text) {
    if (el && el.textContent !== text) el.textContent = text;
  }
  /** @param {string} name */
  function headerField(name) {
    return document.querySelector(`header [data-field="${name}"], footer [data-field="${name}"]`);
  }

  /** @param {unknown} value @returns {value is { seq: number, t: number }} */
  function isStamped(value) {
    if (typeof value !== 'object' || value === null) return false;
    const msg = /** @type {{ seq?: unknown, t?: unknown }} */ (value);
    return typeof msg.seq === 'number' && typeof msg.t === 'number';
  }

  /** One pane: its counters, its DOM fields, and what arrived since the last repaint. */
  class Pane {
    /** @param {Element} el */
    constructor(el) {
      this.el = el;
      this.id = el.getAttribute('data-technique') ?? '';
      this.path = el.getAttribute('data-path') ?? '';
      this.client = el.getAttribute('data-client') ?? '';
      /** @type {Record<string, HTMLElement | undefined>} */
      this.fields = {};
      for (const node of el.querySelectorAll('[data-field]')) {
        if (node instanceof HTMLElement) this.fields[node.getAttribute('data-field') ?? ''] = node;
      }
      this.received = 0;
      this.requests = 0;
      this.empty = 0;
      this.lost = 0;
      /** @type {number | null} */
      this.lastSeq = null;
      /** Server-clock µs when the client started: messages published before are caught up, not pushed, and get no latency. */
      this.startedMicros = Infinity;
      this.latencyCount = 0;
      this.latencyLastMs = 0;
      this.latencySumMs = 0;
      this.latencyMaxMs = -Infinity;
      /** @type {number[]} */
      this.arrived = [];
      this.state = 'starting';
      this.stateBad = false;
    }

    /** @param {unknown} msg */
    deliver(msg) {
      if (!isStamped(msg)) return;
      const arrivedMicros = performance.now() * 1000 + offsetMicros;
      if (this.lastSeq !== null) {
        if (msg.seq <= this.lastSeq) return; // already shown (a resumed stream repeats nothing, but be safe)
        if (msg.seq > this.lastSeq + 1) this.lost += msg.seq - this.lastSeq - 1;
      }
      this.lastSeq = msg.seq;
      this.received++;
      if (msg.t >= this.startedMicros) {
        const latencyMs = (arrivedMicros - msg.t) / 1000;
        this.latencyCount++;
        this.latencyLastMs = latencyMs;
        this.latencySumMs += latencyMs;
        if (latencyMs > this.latencyMaxMs) this.latencyMaxMs = latencyMs;
      }
      this.arrived.push(msg.seq);
      if (this.arrived.length > LATEST_SEQS) this.arrived.shift();
      scheduleRepaint();
    }

    start() {
      this.startedMicros = performance.now() * 1000 + offsetMicros;
    }

    /** @param {string} text @param {boolean} [bad] */
    setState(text, bad) {
      this.state = text;
      this.stateBad = !!bad;
      scheduleRepaint();
    }

    repaint() {
      const f = this.fields;
      setText(f.received, fmtInt(this.received));
      setText(f.requests, fmtInt(this.requests));
      setText(f.empty, fmtInt(this.empty));
      setText(f.lost, fmtInt(this.lost));
      setText(f.state, this.state);
      const state = f.state;
      if (state) state.className = this.stateBad ? 'state bad' : 'state';
      if (this.latencyCount > 0) {
        setText(f['latency-last'], fmtMs(this.latencyLastMs));
        setText(f['latency-mean'], fmtMs(this.latencySumMs / this.latencyCount));
        setText(f['latency-max'], fmtMs(this.latencyMaxMs));
      }
      const list = f.seqs;
      if (list) {
        for (const seq of this.arrived) {
          const item = document.createElement('li');
          item.className = 'new';
          item.textContent = `#${seq}`;
          list.insertBefore(item, list.firstChild);
        }
        while (list.childNodes.length > LATEST_SEQS && list.lastChild) list.removeChild(list.lastChild);
        this.arrived = [];
      }
    }

    /** @param {RouteBytes | undefined} bytes @param {Counters | undefined} counters */
    showBytes(bytes, counters) {
      const f = this.fields;
      const up = bytes ? bytes.up : 0;
      const down = bytes ? bytes.down : 0;
      const written = counters ? counters.messagesWritten : 0;
      setText(f['bytes-up'], fmtBytes(up));
      setText(f['bytes-down'], fmtBytes(down));
      setText(f['bytes-per-message'], written > 0 ? `${fmtInt((up + down) / written)} B` : '–');
    }
  }

  /** @type {Pane[]} */
  const panes = [];
  for (const el of document.querySelectorAll('.pane[data-technique]')) panes.push(new Pane(el));

  /** @type {ReturnType<typeof setTimeout> | null} */
  let repaintTimer = null;
  function scheduleRepaint() {
    if (repaintTimer === null) repaintTimer = setTimeout(repaint, 100);
  }
  function repaint() {
    repaintTimer = null;
    for (const pane of panes) pane.repaint();
  }

  /**
   * GET with a JSON answer; resolves { status, body } (body null when it is not JSON).
   * @param {string} path @param {RequestInit} [init] @returns {Promise<Answer>}
   */
  function getJson(path, init) {
    return fetch(path, init).then((res) =>
      res.text().then((text) => {
        /** @type {unknown} */
        let body = null;
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
        return { status: res.status, body };
      }),
    );
  }

  /** @param {Answer} answer @param {string} key */
  function numberIn(answer, key) {
    const body = /** @type {Record<string, unknown> | null} */ (typeof answer.body === 'object' ? answer.body : null);
    const value = body === null ? undefined : body[key];
    return typeof value === 'number' ? value : null;
  }

  /**
   * Where to resume after an answer that is not 200: 410 says the oldest seq kept, 400 the newest.
   * @param {Answer} answer @param {number} since
   */
  function resumeAfter(answer, since) {
    const oldest = numberIn(answer, 'oldest');
    const head = numberIn(answer, 'head');
    if (answer.status === 410 && oldest !== null) return oldest - 1;
    if (answer.status === 400 && head !== null) return head;
    return since;
  }

  /** @param {Answer} answer */
  function describe(answer) {
    const body = /** @type {{ error?: unknown } | null} */ (typeof answer.body === 'object' ? answer.body : null);
    return `answered ${answer.status}${body && typeof body.error === 'string' ? `: ${body.error}` : ''}`;
  }

  /** @param {Pane} pane @param {Answer} answer @returns {boolean} true when the answer was a message array */
  function deliverArray(pane, answer) {
    if (answer.status !== 200 || !Array.isArray(answer.body)) return false;
    if (answer.body.length === 0) pane.empty++;
    for (const msg of answer.body) pane.deliver(msg);
    return true;
  }

  /** @param {unknown} error */
  function reason(error) {
    return error instanceof Error ? error.message : String(error);
  }

  /**
   * Short polling: one request at a time, started every interval (sooner never, later when a response is slow).
   * @param {Pane} pane @param {number} since
   */
  function startIntervalPoll(pane, since) {
    pane.start();
    const select = pane.fields.interval;
    let intervalMs = select instanceof HTMLSelectElement ? Number(select.value) : 1000;
    /** @type {ReturnType<typeof setTimeout> | null} */
    let timer = null;
    let lastStart = 0;
    let inFlight = false;
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
      getJson(`${pane.path}?since=${since}`, { cache: 'no-store', credentials: 'omit' })
        .then(
          (answer) => {
            if (deliverArray(pane, answer)) {
              if (pane.lastSeq !== null && pane.lastSeq > since) since = pane.lastSeq;
              pane.setState(`polling every ${fmtInterval(intervalMs)}`);
            } else {
              since = resumeAfter(answer, since);
              pane.setState(describe(answer), true);
            }
          },
          (error) => {
            pane.setState(`request failed (${reason(error)}); polling on`, true);
          },
        )
        .then(() => {
          inFlight = false;
          schedule();
        });
    }
    if (select instanceof HTMLSelectElement) {
      select.addEventListener('change', () => {
        intervalMs = Number(select.value);
        pane.setState(`polling every ${fmtInterval(intervalMs)}`);
        if (!inFlight && timer !== null) {
          clearTimeout(timer);
          schedule();
        }
      });
    }
    poll();
  }

  /**
   * Long polling: the next request goes out as soon as a response ends.
   * @param {Pane} pane @param {number} since
   */
  function startHeldPoll(pane, since) {
    pane.start();
    function poll() {
      pane.requests++;
      pane.setState('request held by the server');
      getJson(`${pane.path}?since=${since}`, { cache: 'no-store' }).then(
        (answer) => {
          if (deliverArray(pane, answer)) {
            if (pane.lastSeq !== null && pane.lastSeq > since) since = pane.lastSeq;
            poll();
          } else {
            since = resumeAfter(answer, since);
            pane.setState(`${describe(answer)}; retrying`, true);
            setTimeout(poll, RETRY_MS);
          }
        },
        (error) => {
          pane.setState(`request failed (${reason(error)}); retrying`, true);
          setTimeout(poll, RETRY_MS);
        },
      );
    }
    poll();
  }

  /**
   * SSE: EventSource reconnects by itself and resumes with Last-Event-ID.
   * @param {Pane} pane @param {number} since @param {() => void} opened
   */
  function startEventStream(pane, since, opened) {
    pane.start();
    const source = new EventSource(`${pane.path}?since=${since}`);
    source.onopen = () => {
      pane.requests++;
      pane.setState('stream open');
      opened();
    };
    source.onmessage = (event) => {
      try {
        pane.deliver(JSON.parse(event.data));
      } catch {
        pane.setState('unreadable event', true);
      }
    };
    source.onerror = () => {
      opened();
      pane.setState(source.readyState === EventSource.CLOSED ? 'stream closed' : 'stream lost; the browser reconnects', true);
    };
  }

  /**
   * WebSocket: reconnects after a close, from the last seq it saw (4410: from the oldest one kept).
   * The browser offers permessage-deflate on every socket; the server's side decides.
   * @param {Pane} pane @param {number} since
   */
  function startWebSocket(pane, since) {
    pane.start();
    function connect() {
      const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}${pane.path}?since=${since}`);
      socket.onopen = () => {
        pane.requests++;
        pane.setState(socket.extensions === '' ? 'socket open' : `socket open (${socket.extensions})`);
      };
      socket.onmessage = (event) => {
        try {
          pane.deliver(JSON.parse(String(event.data)));
        } catch {
          pane.setState('unreadable frame', true);
          return;
        }
        if (pane.lastSeq !== null && pane.lastSeq > since) since = pane.lastSeq;
      };
      socket.onclose = (event) => {
        if (event.code === 4410) {
          try {
            since = JSON.parse(event.reason).oldest - 1;
          } catch {
            /* keep since */
          }
        }
        pane.setState(`socket closed (${event.code}); reconnecting`, true);
        setTimeout(connect, RETRY_MS);
      };
    }
    connect();
  }

  /**
   * Starts every pane's client from seq `since`. The server counts a connection's bytes under
   * the endpoint it first served, and a browser lends an idle connection to the next request
   * of the same pool. Interval polls have a pool of their own (credentials 'omit'); held polls
   * share one with EventSource, so they start only once every event stream holds its own
   * connection, else a stream could take a held poll's.
   * @param {number} since
   */
  function startClients(since) {
    const streams = panes.filter((pane) => pane.client === 'event-stream');
    let waiting = streams.length;
    let heldStarted = false;
    function startHeld() {
      if (heldStarted) return;
      heldStarted = true;
      for (const pane of panes) if (pane.client === 'held-poll') startHeldPoll(pane, since);
    }
    for (const pane of panes) {
      if (pane.client === 'interval-poll') startIntervalPoll(pane, since);
      else if (pane.client === 'socket') startWebSocket(pane, since);
    }
    for (const pane of streams) {
      let counted = false;
      startEventStream(pane, since, () => {
        if (counted) return;
        counted = true;
        if (--waiting === 0) startHeld();
      });
    }
    if (streams.length === 0) startHeld();
    else setTimeout(startHeld, 3000); // never wait for ever on a stream that does not open
  }

  /**
   * "Where am I on the map": the server's model view (GET /demo/map) for this page's poll
   * interval, the clients connected (the most any one technique holds open, from /stats) and
   * the page's round trip to the server. Fetched again when one of them or the criterion
   * changes; an answer that comes after a newer request was made is dropped.
   * @typedef {{ rate: number, technique: string | null, code: string, margin: number | null }} MapCellView
   * @typedef {{ criterion: string, technique: string | null, label: string, code: string, value: number | null, runnerUp: string | null, margin: number | null }} MapHereView
   * @typedef {{ settings: { rate: number, intervalMs: number, clients: number, payloadBytes: number, wire: string, rttMs: number, criterion: string },
   *   rates: number[], intervalsMs: number[], techniques: { id: string, code: string, label: string, color: string }[],
   *   rows: { intervalMs: number, cells: MapCellView[] }[], marker: { rate: number, intervalMs: number } | null, here: MapHereView[], note: string }} MapView
   */
  const mapEl = document.querySelector('[data-map="view"]');
  /** @param {string} name */
  const mapPart = (name) => (mapEl ? mapEl.querySelector(`[data-map="${name}"]`) : null);
  const mapState = { intervalMs: 1000, clients: 1, rttMs: 0, requested: '', sequence: 0 };
  const UNITS = /** @type {Record<string, string>} */ ({ bytes: 'B', bandwidth: 'B/s', p50: 'ms', p99: 'ms', cpu: 'µs', memory: 'B' });

  /** @param {number} n */
  function fmtRate(n) {
    return `${Number(n.toPrecision(3))}`;
  }
  /** @param {number | null} value @param {string} criterion */
  function fmtFigure(value, criterion) {
    return value === null ? '—' : `${Number(value.toPrecision(3)).toLocaleString('en-US')} ${UNITS[criterion] ?? ''}`;
  }

  function mapQuery() {
    const criterion = mapPart('criterion');
    const chosen = criterion instanceof HTMLSelectElement ? criterion.value : 'bytes';
    const params = new URLSearchParams({
      interval: String(mapState.intervalMs),
      clients: String(mapState.clients),
      rtt: mapState.rttMs.toFixed(3),
      criterion: chosen,
    });
    return `${MAP_PATH}?${params}`;
  }

  function refreshMap() {
    if (!mapEl) return;
    const url = mapQuery();
    if (url === mapState.requested) return;
    mapState.requested = url;
    const sequence = ++mapState.sequence;
    getJson(url, { cache: 'no-store' }).then(
      (answer) => {
        if (sequence !== mapState.sequence || answer.status !== 200 || answer.body === null) return;
        showMap(/** @type {MapView} */ (answer.body));
      },
      () => {
        mapState.requested = ''; // the server may be gone; the next change asks again
      },
    );
  }

  /** @param {MapView} view */
  function showMap(view) {
    if (!mapEl || !Array.isArray(view.rows) || !Array.isArray(view.rates)) return;
    const colors = new Map(view.techniques.map((t) => [t.id, t.color]));
    const labels = new Map(view.techniques.map((t) => [t.id, t.label]));
    const s = view.settings;
    setText(
      mapPart('settings'),
      s.rate > 0
        ? `This page now: ${fmtRate(s.rate)} msg/s, short polls every ${fmtInterval(s.intervalMs)}, ${fmtInt(s.clients)} client${s.clients === 1 ? '' : 's'} connected, ${fmtInt(s.payloadBytes)} B payload, ${s.wire}.`
        : `The server publishes nothing on its own (rate 0): no point to mark. Short polls every ${fmtInterval(s.intervalMs)}, ${fmtInt(s.clients)} client${s.clients === 1 ? '' : 's'} connected.`,
    );
    const grid = mapPart('grid');
    if (grid instanceof HTMLTableElement) {
      const head = document.createElement('tr');
      const corner = document.createElement('th');
      corner.textContent = 'polls \\ msg/s';
      head.appendChild(corner);
      for (const rate of view.rates) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = fmtRate(rate);
        head.appendChild(th);
      }
      const body = document.createDocumentFragment();
      for (const row of view.rows) {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = fmtInterval(row.intervalMs);
        tr.appendChild(th);
        for (const cell of row.cells) {
          const td = document.createElement('td');
          td.textContent = cell.code;
          td.setAttribute('data-rate', String(cell.rate));
          td.setAttribute('data-interval', String(row.intervalMs));
          td.setAttribute('data-technique', cell.technique ?? '');
          const color = cell.technique === null ? undefined : colors.get(cell.technique);
          // The palette's colour as a light tint, so that black text stays readable on every technique's.
          if (color !== undefined && /^#[0-9A-Fa-f]{6}$/.test(color)) td.style.backgroundColor = `${color}66`;
          const margin = cell.margin === null ? '' : `, the runner-up costs ${cell.margin.toPrecision(3)}x`;
          td.title = `${fmtRate(cell.rate)} msg/s, ${fmtInterval(row.intervalMs)} polls: ${cell.technique === null ? 'no winner' : (labels.get(cell.technique) ?? cell.code)}${margin}`;
          const here = view.marker !== null && view.marker.rate === cell.rate && view.marker.intervalMs === row.intervalMs;
          if (here) {
            td.className = 'here';
            td.setAttribute('data-marker', 'true');
            td.setAttribute('aria-current', 'location');
          }
          tr.appendChild(td);
        }
        body.appendChild(tr);
      }
      grid.tHead?.replaceChildren(head);
      grid.tBodies[0]?.replaceChildren(body);
    }
    const here = mapPart('here');
    if (here) {
      const items = view.here.map((h) => {
        const li = document.createElement('li');
        li.setAttribute('data-criterion', h.criterion);
        li.setAttribute('data-technique', h.technique ?? '');
        const runnerUp = h.runnerUp === null ? '' : (labels.get(h.runnerUp) ?? h.runnerUp);
        const margin =
          h.margin === null || runnerUp === ''
            ? ''
            : h.margin === 1
              ? `; a tie with ${runnerUp}, the first in the usual order wins`
              : `; ${runnerUp} costs ${h.margin.toPrecision(3)}x`;
        li.textContent =
          h.technique === null ? `${h.criterion}: ${h.label}` : `${h.criterion}: ${h.label} (${fmtFigure(h.value, h.criterion)}${margin})`;
        return li;
      });
      here.replaceChildren(...items);
    }
    setText(mapPart('note'), typeof view.note === 'string' ? view.note : '');
    mapEl.removeAttribute('hidden');
  }

  {
    const pollingSelect = document.querySelector('.pane[data-client="interval-poll"] select[data-field="interval"]');
    if (pollingSelect instanceof HTMLSelectElement) {
      mapState.intervalMs = Number(pollingSelect.value);
      pollingSelect.addEventListener('change', () => {
        mapState.intervalMs = Number(pollingSelect.value);
        refreshMap();
      });
    }
    const criterion = mapPart('criterion');
    if (criterion) criterion.addEventListener('change', refreshMap);
  }

  /**
   * The page's round trip, as the model's is: the fastest request seen (the first, GET /, also
   * waited for a cold page; each GET /stats after it is one more sample).
   * @param {string} url
   */
  function mapRttFrom(url) {
    const entries = performance.getEntriesByName(url, 'resource');
    const entry = /** @type {PerformanceResourceTiming | undefined} */ (entries[entries.length - 1]);
    if (!entry || !(entry.requestStart > 0) || entry.responseStart < entry.requestStart) return;
    const rtt = entry.responseStart - entry.requestStart;
    if (rtt < mapState.rttMs - 0.05) {
      mapState.rttMs = rtt;
      refreshMap();
    }
  }

  /** @param {StatsBody} stats */
  function mapClientsFrom(stats) {
    const open = Object.values(stats.techniques ?? {}).map((c) => (c && typeof c.open === 'number' ? c.open : 0));
    const clients = Math.max(1, ...open);
    if (clients !== mapState.clients) {
      mapState.clients = clients;
      refreshMap();
    }
  }

  function pollStats() {
    getJson(STATS_PATH, { cache: 'no-store' })
      .then(
        (answer) => {
          const stats = /** @type {StatsBody | null} */ (answer.body);
          if (answer.status !== 200 || !stats || typeof stats.bytesByRoute !== 'object') return;
          for (const pane of panes) pane.showBytes(stats.bytesByRoute[pane.id], stats.techniques ? stats.techniques[pane.id] : undefined);
          mapClientsFrom(stats);
          mapRttFrom(new URL(STATS_PATH, location.href).href);
          const other = stats.bytesByRoute.other || { up: 0, down: 0 };
          setText(headerField('other-up'), fmtBytes(other.up));
          setText(headerField('other-down'), fmtBytes(other.down));
        },
        () => {
          /* the server may be gone; try again later */
        },
      )
      .then(() => {
        setTimeout(pollStats, STATS_EVERY_MS);
      });
  }

  setText(headerField('rate'), String(config.rate));
  setText(headerField('payload'), fmtInt(config.payloadBytes));
  if (config.rate === 0) {
    setText(
      headerField('feed'),
      `The server publishes nothing on its own (rate 0): messages appear when a client POSTs to ${PUBLISH_PATH}. Each pane below is a real client in this page, receiving the same messages from the same server.`,
    );
  }

  /**
   * The send and receive times of the GET / just made. The browser's resource timing has them
   * as the network stack saw them (request sent, first response byte); the times taken around
   * fetch() also count the page's own busy moments, a fallback.
   * @param {string} url @param {number} sentAt @param {number} receivedAt
   */
  function requestTimes(url, sentAt, receivedAt) {
    const entries = performance.getEntriesByName(url, 'resource');
    const entry = /** @type {PerformanceResourceTiming | undefined} */ (entries[entries.length - 1]);
    if (entry && entry.requestStart > 0 && entry.responseStart >= entry.requestStart)
      return { sent: entry.requestStart, received: entry.responseStart };
    return { sent: sentAt, received: receivedAt };
  }

  // The server's clock: its 'now' was read between the request's sending and the answer's
  // arrival, so the midpoint of the two is off by at most half the round trip.
  const infoUrl = new URL(INFO_PATH, location.href).href;
  const sentAt = performance.now();
  fetch(infoUrl, { cache: 'no-store' })
    .then((res) => {
      const receivedAt = performance.now();
      return res.json().then((/** @type {{ now?: unknown, head?: unknown }} */ info) => {
        if (typeof info.now !== 'number' || typeof info.head !== 'number') throw new Error('GET / did not describe a pushbench server');
        const times = requestTimes(infoUrl, sentAt, receivedAt);
        offsetMicros = info.now - ((times.sent + times.received) / 2) * 1000;
        setText(headerField('clock'), `±${((times.received - times.sent) / 2).toLocaleString('en-US', { maximumFractionDigits: 2 })} ms`);
        mapState.rttMs = Math.min(10000, Math.max(0, times.received - times.sent));
        refreshMap();
        startClients(info.head);
        pollStats();
      });
    })
    .catch((error) => {
      for (const pane of panes) pane.setState(`cannot read the server (${reason(error)}); reload to retry`, true);
    });
})();
