/**
 * Wires side by side: the same scenario measured on several wires (HTTP/1.1, + TLS, HTTP/2 +
 * TLS, HTTP/2 cleartext), one table per scenario with a row per technique and wire: bytes per
 * message split into payload / TLS / HTTP/2 framing / HPACK headers / HTTP framing, latency with
 * its samples, server CPU per message and memory per connection; and the lesson those numbers
 * teach, as sentences with the numbers in them. Pure views of results.json.
 */
import type { CompletedResult, ResultsFile, Scenario } from '../core/results.ts';
import { TECHNIQUE_META, type TechniqueId } from '../core/techniques.ts';
import { WIRE_META, WIRES, isWireId, type WireId } from '../core/wires.ts';
import { formatByteSize, formatBytes, formatFactor, formatInteger, formatMs, formatNumber } from './format.ts';
import { completedEntries } from './select.ts';
import { techniqueLabel } from './techniques.ts';

/** The byte parts of one message, in the order a stacked bar shows them. */
export const BYTE_PARTS = ['payload', 'tls', 'h2Framing', 'headers', 'http'] as const;
export type BytePart = (typeof BYTE_PARTS)[number];

/** How each part is named in tables, charts and the lesson. */
export const BYTE_PART_LABEL: Readonly<Record<BytePart, string>> = {
  payload: 'payload',
  tls: 'TLS records',
  h2Framing: 'HTTP/2 frames',
  headers: 'HPACK headers',
  http: 'HTTP heads and framing',
};

/** Each part's colour, as report.css draws the HTML bars (keep both in step). */
export const BYTE_PART_COLOR: Readonly<Record<BytePart, string>> = {
  payload: '#2b6cb0',
  tls: '#c05621',
  h2Framing: '#6b46c1',
  headers: '#d69e2e',
  http: '#718096',
};

/** One technique on one wire. */
export interface WireRow {
  readonly technique: TechniqueId;
  readonly wire: WireId;
  readonly totalBytes: number;
  readonly parts: Readonly<Record<BytePart, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
  /** Server CPU per delivered message, µs; null without a server measurement. */
  readonly cpuMicrosPerMessage: number | null;
  readonly memoryPerConnection: number | null;
  /** TLS and HTTP/2 setup per connection (bytes both ways), null on a wire with none counted. */
  readonly setupTlsBytes: number | null;
  readonly setupH2Bytes: number | null;
  /** The WebSocket handshake per connection (Upgrade + 101, or extended CONNECT + 200), null where none was counted. */
  readonly setupUpgradeBytes: number | null;
  /** Whether the server's taps counted every part as the clients' did; null where both ends were not compared. */
  readonly endsAgree: boolean | null;
  readonly modelBytes: number | null;
  readonly delivered: number;
  readonly expected: number;
  /** With `--tabs`: the browser rule and the streams it left waiting. */
  readonly browsers: NonNullable<CompletedResult['browsers']> | null;
}

/** A scenario measured on two or more wires. */
export interface WireComparison {
  readonly baseId: string;
  readonly title: string;
  readonly wires: readonly WireId[];
  /** Grouped by technique, wires in report order. */
  readonly rows: readonly WireRow[];
}

function wireOf(s: Scenario): WireId {
  return isWireId(s.params.wire) ? s.params.wire : 'http';
}

/** The scenario's id without its `-<wire>` suffix (run/scenarios.ts forWires adds it off http). */
function baseIdOf(s: Scenario): string {
  const wire = wireOf(s);
  return wire === 'http' || !s.id.endsWith(`-${wire}`) ? s.id : s.id.slice(0, -(wire.length + 1));
}

function baseTitleOf(s: Scenario): string {
  return s.title.replace(/, over [^,]+$/, '');
}

/** The parts of a result: counted by the taps off http; on http cleartext everything but the payload is HTTP's. */
function partsOf(result: CompletedResult): Record<BytePart, number> {
  const w = result.wireParts?.perMessage;
  const payload = w?.payloadBytes ?? result.perMessage.totalBytes - result.perMessage.overheadBytes;
  if (w === undefined) return { payload, tls: 0, h2Framing: 0, headers: 0, http: result.perMessage.totalBytes - payload };
  return { payload, tls: w.tlsBytes, h2Framing: w.h2FramingBytes, headers: w.headerBlockBytes, http: w.httpBytes };
}

function rowOf(technique: TechniqueId, wire: WireId, _scenario: Scenario, result: CompletedResult): WireRow {
  const delivered = result.messages.delivered;
  const cpuMicros = result.server === null ? null : (result.server.cpuPercent / 100) * result.windowMs * 1000;
  const setup = result.wireParts?.setupPerConnection;
  return {
    technique,
    wire,
    totalBytes: result.perMessage.totalBytes,
    parts: partsOf(result),
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    samples: result.latencyMs.count,
    cpuMicrosPerMessage: cpuMicros === null || delivered === 0 ? null : cpuMicros / delivered,
    memoryPerConnection: result.server?.bytesPerConnection ?? null,
    setupTlsBytes: setup === undefined || !WIRE_META[wire].tls ? null : setup.tlsBytes,
    setupH2Bytes: setup === undefined || WIRE_META[wire].httpVersion !== '2' ? null : setup.h2Bytes,
    setupUpgradeBytes: setup?.upgradeBytes === undefined || setup.upgradeBytes === 0 ? null : setup.upgradeBytes,
    endsAgree: result.wireParts?.ends?.agree ?? null,
    modelBytes: result.model?.perMessage.totalBytes ?? null,
    delivered: result.messages.delivered,
    expected: result.messages.expected,
    browsers: result.browsers ?? null,
  };
}

/** Every scenario measured on two or more wires (same id but for the wire suffix, same target), in file order. */
export function wireComparisons(results: ResultsFile): WireComparison[] {
  const byBase = new Map<string, Scenario[]>();
  for (const s of results.scenarios) {
    const key = `${s.target?.name ?? 'builtin'}\u0000${baseIdOf(s)}`;
    byBase.set(key, [...(byBase.get(key) ?? []), s]);
  }
  const out: WireComparison[] = [];
  for (const scenarios of byBase.values()) {
    const wires = WIRES.filter((w) => scenarios.some((s) => wireOf(s) === w));
    if (wires.length < 2) continue;
    const rows: WireRow[] = [];
    const techniques = [...new Set(scenarios.flatMap((s) => completedEntries(s).map((e) => e.technique)))];
    for (const technique of techniques) {
      for (const wire of wires) {
        const s = scenarios.find((x) => wireOf(x) === wire)!;
        const entry = completedEntries(s).find((e) => e.technique === technique);
        if (entry !== undefined) rows.push(rowOf(technique, wire, s, entry.result));
      }
    }
    out.push({ baseId: baseIdOf(scenarios[0]!), title: baseTitleOf(scenarios[0]!), wires, rows });
  }
  return out;
}

/** The table's columns, as plain strings (each renderer escapes them). */
export const WIRE_TABLE_HEAD = [
  'Technique',
  'Wire',
  'Bytes/msg',
  'Payload',
  'TLS',
  'HTTP/2 frames',
  'HPACK',
  'HTTP framing',
  'Model',
  'p50',
  'p99',
  'n',
  'CPU/msg',
  'Memory/conn',
  'Setup/conn',
] as const;

/** One table line per row. */
export function wireTableLine(row: WireRow): string[] {
  const setup = [
    row.setupTlsBytes === null ? null : `TLS ${formatBytes(row.setupTlsBytes)}`,
    row.setupH2Bytes === null ? null : `HTTP/2 ${formatBytes(row.setupH2Bytes)}`,
    row.setupUpgradeBytes === null ? null : `WebSocket handshake ${formatBytes(row.setupUpgradeBytes)}`,
  ].filter((x) => x !== null);
  return [
    techniqueLabel(row.technique),
    WIRE_META[row.wire].label,
    formatBytes(row.totalBytes),
    formatBytes(row.parts.payload),
    formatBytes(row.parts.tls),
    formatBytes(row.parts.h2Framing),
    formatBytes(row.parts.headers),
    formatBytes(row.parts.http),
    row.modelBytes === null ? '—' : formatBytes(row.modelBytes),
    formatMs(row.p50Ms),
    formatMs(row.p99Ms),
    formatInteger(row.samples),
    row.cpuMicrosPerMessage === null ? '—' : `${formatNumber(row.cpuMicrosPerMessage, 1)} µs`,
    row.memoryPerConnection === null ? '—' : formatByteSize(row.memoryPerConnection),
    setup.length === 0 ? '—' : setup.join(' + '),
  ];
}

/** Header bytes per message: on HTTP/1.1 the heads and framing, on HTTP/2 the HPACK blocks and frame headers (TLS apart). */
function headerCost(row: WireRow): number {
  return row.parts.http + row.parts.headers + row.parts.h2Framing;
}

/**
 * The lesson in numbers: whether "polling wastes bandwidth on headers" survives HTTP/2, what TLS
 * costs per message, what the handshakes cost per connection.
 */
export function wireLesson(comparison: WireComparison): string[] {
  const find = (technique: TechniqueId | undefined, wire: WireId): WireRow | undefined =>
    comparison.rows.find((r) => r.technique === technique && r.wire === wire);
  const out: string[] = [];
  const requestBased = comparison.rows.find((r) => TECHNIQUE_META[r.technique].delivery === 'request')?.technique;
  const h1 = find(requestBased, 'http');
  const h2 = find(requestBased, 'h2') ?? find(requestBased, 'h2c');
  if (h1 !== undefined && h2 !== undefined) {
    const pushed = comparison.rows
      .filter((r) => r.wire === h2.wire && TECHNIQUE_META[r.technique].delivery !== 'request')
      .sort((a, b) => a.totalBytes - b.totalBytes)[0];
    const survives = pushed !== undefined && h2.totalBytes > 1.5 * pushed.totalBytes;
    out.push(
      `Headers under HTTP/2: ${techniqueLabel(h1.technique)} spends ${formatBytes(headerCost(h1))} per message on heads and framing over HTTP/1.1 ` +
        `and ${formatBytes(headerCost(h2))} over ${WIRE_META[h2.wire].label} (${formatBytes(h2.parts.headers)} HPACK + ${formatBytes(h2.parts.h2Framing)} frame headers + ${formatBytes(h2.parts.http)} body framing), ` +
        `${formatFactor(headerCost(h1) / Math.max(1, headerCost(h2)))} less. ` +
        (pushed === undefined
          ? ''
          : survives
            ? `"Polling wastes bandwidth on headers" survives, smaller: on ${WIRE_META[h2.wire].label} it still costs ${formatBytes(h2.totalBytes)} per message against ${formatBytes(pushed.totalBytes)} for ${techniqueLabel(pushed.technique)} (${formatFactor(h2.totalBytes / pushed.totalBytes)}).`
            : `"Polling wastes bandwidth on headers" does not survive HTTP/2 here: ${formatBytes(h2.totalBytes)} per message against ${formatBytes(pushed.totalBytes)} for ${techniqueLabel(pushed.technique)}.`),
    );
  }
  for (const row of comparison.rows.filter((r) => r.browsers !== null && r.browsers.connectionsPerOrigin !== null)) {
    const shared = comparison.rows.find(
      (r) => r.technique === row.technique && r.browsers !== null && r.browsers.connectionsPerOrigin === null,
    );
    const b = row.browsers!;
    out.push(
      `${b.tabs} tabs of one origin with ${techniqueLabel(row.technique)} over ${WIRE_META[row.wire].label}: ${formatInteger(b.waiting)} EventSource stream(s) waited for a connection through the window ` +
        `(the browser's ${b.connectionsPerOrigin} connections per origin, applied by the driver) and ${formatInteger(row.delivered)} of ${formatInteger(row.expected)} messages arrived` +
        (shared === undefined
          ? '.'
          : `; over ${WIRE_META[shared.wire].label} every tab is a stream of one connection: ${formatInteger(shared.delivered)} of ${formatInteger(shared.expected)}.`),
    );
  }
  const tlsRows = comparison.rows.filter((r) => WIRE_META[r.wire].tls && r.parts.tls > 0);
  if (tlsRows.length > 0) {
    const items = tlsRows.map((r) => `${techniqueLabel(r.technique)} ${formatBytes(r.parts.tls)} on ${WIRE_META[r.wire].label}`);
    const sharedTabs = tlsRows.find((r) => r.browsers !== null && r.browsers.connectionsPerOrigin === null);
    const how =
      sharedTabs === undefined
        ? 'one record per event or frame, two per poll exchange (the request, then the answer; on HTTP/2 its HEADERS and DATA frames are one record)'
        : `with ${sharedTabs.browsers!.tabs} tabs sharing an HTTP/2 connection the server writes a message to all of a browser's streams in one record`;
    out.push(`TLS per message, counted: 22 B per record (5-byte header, 1-byte inner type, 16-byte tag), ${how}: ${items.join(', ')}.`);
  }
  const setupRow =
    comparison.rows.find((r) => r.setupTlsBytes !== null && r.wire === 'h2') ?? comparison.rows.find((r) => r.setupTlsBytes !== null);
  if (setupRow !== undefined) {
    const h2Text = setupRow.setupH2Bytes === null ? '' : ` plus ${formatBytes(setupRow.setupH2Bytes)} of HTTP/2 preface and SETTINGS`;
    out.push(
      `Handshakes per connection: ${formatBytes(setupRow.setupTlsBytes!)} of TLS 1.3 handshake and session tickets${h2Text} (${WIRE_META[setupRow.wire].label}, both ways), paid once per connection; ` +
        `as many bytes as ${formatNumber((setupRow.setupTlsBytes! + (setupRow.setupH2Bytes ?? 0)) / setupRow.totalBytes, 0)} messages of ${techniqueLabel(setupRow.technique)} on that wire (${formatBytes(setupRow.totalBytes)} each).`,
    );
  }
  const upgrades = comparison.rows.filter((r) => r.setupUpgradeBytes !== null);
  if (upgrades.length > 0)
    out.push(
      `The WebSocket handshake per connection, counted: ${upgrades.map((r) => `${formatBytes(r.setupUpgradeBytes!)} on ${WIRE_META[r.wire].label}`).join(', ')} ` +
        '(the Upgrade request and its 101 on HTTP/1.1; the extended CONNECT and its 200 as HEADERS frames on HTTP/2, where HPACK compresses the request).',
    );
  const compared = comparison.rows.filter((r) => r.endsAgree !== null);
  if (compared.length > 0) {
    const disagree = compared.filter((r) => r.endsAgree === false);
    out.push(
      disagree.length === 0
        ? `Counted on both ends: the server's taps and the clients' agree on every part, each way, on ${compared.length === 1 ? 'the one row' : `all ${compared.length} rows`} compared.`
        : `Counted on both ends: the parts differ between server and clients on ${disagree.map((r) => `${techniqueLabel(r.technique)} over ${WIRE_META[r.wire].label}`).join(', ')} (see wireParts.ends in results.json).`,
    );
  }
  return out;
}

/**
 * One line for `--verbose`: a result's bytes per message by part beside its setup per
 * connection by part, and whether both ends counted the same; null without counted parts.
 */
export function wirePartsNote(result: CompletedResult): string | null {
  const w = result.wireParts;
  if (w === undefined) return null;
  const p = w.perMessage;
  const perMessage = [
    `payload ${formatBytes(p.payloadBytes)}`,
    `TLS ${formatBytes(p.tlsBytes)}`,
    `HTTP/2 frames ${formatBytes(p.h2FramingBytes)}`,
    `HPACK ${formatBytes(p.headerBlockBytes)}`,
    `HTTP ${formatBytes(p.httpBytes)}`,
  ].join(' + ');
  const s = w.setupPerConnection;
  const setup = [
    'TCP 0 B (no payload)',
    `TLS ${formatBytes(s.tlsBytes)}`,
    `HTTP/2 preface and SETTINGS ${formatBytes(s.h2Bytes)}`,
    `WebSocket handshake ${formatBytes(s.upgradeBytes ?? 0)}`,
  ].join(' + ');
  const ends =
    w.ends === undefined
      ? 'server side not compared'
      : w.ends.agree
        ? 'server and clients agree on every part'
        : `server and clients differ on ${w.ends.differing.join(', ')}`;
  return `bytes/msg ${perMessage}; setup per connection (${formatInteger(s.connections)}) ${setup}; ${ends}`;
}
