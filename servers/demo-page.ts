/**
 * The live demo page `GET /demo`: one self-contained HTML document (inline CSS and script, no
 * request to any other origin) with one pane per served technique, each a real browser client
 * of this server. The markup is built with core/html.ts's `html` template (every value
 * escaped); the stylesheet (demo/demo.css) and the browser client (demo/client.js, a
 * type-checked script) are files inlined as they are. Which client a pane runs follows from
 * the technique's row (transport, delivery, pickup); what the pane says comes from the
 * technique's own server file (servers/techniques/<id>.ts).
 */
import { readFileSync } from 'node:fs';
import { html, jsonScript, pageHead, safe, scriptText, styleText, type SafeHtml } from '../core/html.ts';
import { PATHS } from '../core/protocol.ts';
import { MAP_CRITERIA } from '../core/results.ts';
import { TECHNIQUE_META, TECHNIQUES, type TechniqueId, type TechniqueMeta } from '../core/techniques.ts';
import { SERVER_TECHNIQUES } from './techniques/index.ts';

export interface DemoPageConfig {
  techniques: readonly TechniqueId[];
  /** Broadcast messages per second the server publishes (0: only what is POSTed). */
  rate: number;
  payloadBytes: number;
  /** Whether the server answers `GET /demo/map` (the "where am I on the map" view); absent: no. */
  map?: boolean;
}

/** The kinds of browser client demo/client.js runs, one per pane. */
export type DemoClient = 'interval-poll' | 'held-poll' | 'event-stream' | 'socket';

/** The browser client for a technique, from its row: what a browser has for that transport and delivery. */
export function demoClient(meta: TechniqueMeta): DemoClient {
  if (meta.transport === 'ws') return 'socket';
  if (meta.delivery === 'stream') return 'event-stream';
  return meta.pickup === 'interval' ? 'interval-poll' : 'held-poll';
}

/** Poll intervals an interval-poll pane offers, in ms; the second is the default. */
const POLL_INTERVALS_MS = [250, 1000, 5000] as const;
const DEFAULT_POLL_INTERVAL_MS = 1000;

/**
 * The page's assets, read once, when the first page is rendered. Resolved against this
 * module's URL, so they are found from the sources (tsx) and from a compiled dist/ alike.
 */
let assets: { css: SafeHtml; script: SafeHtml } | undefined;
function demoAssets(): { css: SafeHtml; script: SafeHtml } {
  assets ??= {
    css: styleText(readFileSync(new URL('./demo/demo.css', import.meta.url), 'utf8')),
    script: scriptText(readFileSync(new URL('./demo/client.js', import.meta.url), 'utf8')),
  };
  return assets;
}

/** The demo page for a server serving `config.techniques`; panes appear for those only, in the usual order. */
export function renderDemoPage(config: DemoPageConfig): string {
  const served = TECHNIQUES.filter((id) => config.techniques.includes(id));
  const panes =
    served.length === 0 ? html`<p>This server serves no technique the page knows.</p>` : served.map((id) => html`${renderPane(id)}\n`);
  const { css, script } = demoAssets();
  return html`<!DOCTYPE html>
<html lang="en">
${pageHead('pushbench live demo: polling, long polling, SSE and WebSocket side by side', css, { connectSelf: true })}
<body>
<main data-info-path="${PATHS.info}" data-stats-path="${PATHS.stats}" data-publish-path="${PATHS.publish}" data-map-path="${PATHS.demoMap}">
<header>
<h1>Polling, long polling, Server-Sent Events and WebSocket, live</h1>
<p class="lead" data-field="feed">The server publishes <strong data-field="rate">?</strong> messages per second, each with a <strong data-field="payload">?</strong>-byte payload. Each pane below is a real client in this page, receiving the same messages from the same server.</p>
<p class="watch"><strong>What to watch:</strong> short polling's requests that come back empty and its messages arriving up to one interval late, long polling's full HTTP request and response for every message, and how few bytes SSE's events and WebSocket's tiny frames add to each message.</p>
<p class="meta">Latency is the time from publishing on the server to arriving in this page. The page set its clock against the server's from one <code>GET ${PATHS.info}</code> when it loaded, so each latency is an estimate, within <span data-field="clock">?</span> (half that request's round trip).</p>
</header>
<div class="panes">
${panes}</div>
${config.map === true ? mapView() : ''}
<footer class="meta">
<p>Bytes on the wire are counted by the server: what each socket read (up, browser to server) and wrote (down), the exact TCP payload, for every connection under the endpoint it first served. They include connection setup (the SSE response head, the WebSocket handshake) and every client of that technique, so another open demo page or a curl adds to them. Bytes per message is that total divided by the messages the server wrote to those clients. The page refreshes them from <code>GET ${PATHS.stats}</code> every 2 s; its own requests (this page, <code>GET ${PATHS.info}</code> and <code>${PATHS.stats}</code>) are counted under <code>other</code>, not under a technique: <span data-field="other-up">0 B</span> up, <span data-field="other-down">0 B</span> down so far.</p>
</footer>
</main>
<script type="application/json" id="pushbench-demo-config">${jsonScript(config)}</script>
<script>${script}</script>
</body>
</html>
`.html;
}

/**
 * The "where am I on the map" view, on a page whose server has one: hidden until the server
 * answers `GET /demo/map`; demo/client.js fills the grid and the
 * winners through textContent and refreshes them when the poll interval, the criterion or the
 * clients connected change.
 */
function mapView(): SafeHtml {
  const options = MAP_CRITERIA.map((c) => html`<option value="${c}"${c === 'bytes' ? safe(' selected') : ''}>${c}</option>`);
  return html`<section class="map-view" data-map="view" aria-labelledby="map-view-title" hidden>
<h2 id="map-view-title">Where am I on the map?</h2>
<p data-map="settings">?</p>
<p><label>Winner by <select data-map="criterion">${options}</select></label> in each cell (rates across, short-polling intervals down); the ringed cell is this page now.</p>
<div class="map-scroll"><table class="map-grid" data-map="grid"><thead></thead><tbody></tbody></table></div>
<ul class="map-here" data-map="here" aria-label="winner per criterion at this point"></ul>
<p class="meta" data-map="note"></p>
</section>`;
}

function intervalSelect(): SafeHtml {
  const options = POLL_INTERVALS_MS.map(
    (ms) =>
      html`<option value="${ms}"${ms === DEFAULT_POLL_INTERVAL_MS ? safe(' selected') : ''}>${ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}</option>`,
  );
  return html`<select data-field="interval" aria-label="poll interval">${options}</select>`;
}

function renderPane(id: TechniqueId): SafeHtml {
  const meta = TECHNIQUE_META[id];
  const text = SERVER_TECHNIQUES[id].demo;
  const client = demoClient(meta);
  const wire = client === 'interval-poll' ? html`<code>${text.wire}</code> every ${intervalSelect()}` : html`<code>${text.wire}</code>`;
  const asked =
    meta.delivery === 'request'
      ? html`<tr><th scope="row">Requests made</th><td class="num" data-field="requests">0</td></tr>
<tr><th scope="row">Empty answers</th><td class="num" data-field="empty">0</td></tr>`
      : html`<tr><th scope="row">Connections opened</th><td class="num" data-field="requests">0</td></tr>
<tr><th scope="row">Empty answers</th><td class="num na" title="nothing is asked: the server pushes">none</td></tr>`;
  return html`<section class="pane" data-technique="${id}" data-path="${meta.path}" data-client="${client}" aria-labelledby="pane-${id}">
<h2 id="pane-${id}">${meta.label}</h2>
<p class="wire">${wire}</p>
<p class="how">${text.how}</p>
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
