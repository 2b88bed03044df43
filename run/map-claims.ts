/**
 * "What the classic argument gets right and wrong": the founding article's claims as sentences,
 * each with a verdict computed from the map's own numbers (cells, crossovers, calibration), so
 * that a map where the numbers say otherwise says otherwise. Pure.
 */
import { PLAIN_WS_TECHNIQUE, TECHNIQUE_META, type TechniqueId } from '../core/techniques.ts';
import type { MapCell, MapClaim, MapCrossover } from '../core/results.ts';
import { modelFor, upstreamBytes } from './model.ts';
import { longPollTechnique, pollingTechnique } from './map-crossovers.ts';
import type { Calibration, MapConfig } from './map.ts';
import { MAP_WIRE, runParams, shownFigure } from './map.ts';

const fmt = (value: number, digits = 3): string => String(Number(value.toPrecision(digits)));
/** Bytes as a whole number with thousands separators (122,327). */
const bytesText = (value: number): string => Math.round(value).toLocaleString('en-US');

/** Grid points (rate, interval, clients) and their cells, in grid order. */
function points(cells: readonly MapCell[]): MapCell[][] {
  const byPoint = new Map<string, MapCell[]>();
  for (const cell of cells) {
    const key = `${cell.rate}/${cell.intervalMs}/${cell.clients}`;
    byPoint.set(key, [...(byPoint.get(key) ?? []), cell]);
  }
  return [...byPoint.values()];
}

/** Claim 1: polling wastes bandwidth on headers. Where does a stream beat it on bytes, and by how much at one message per poll? */
export function headerClaim(cells: readonly MapCell[], crossovers: readonly MapCrossover[]): MapClaim | null {
  const polling = pollingTechnique(cells.map((c) => c.technique));
  if (polling === undefined) return null;
  let loses = 0;
  let wins = 0;
  let worst: { ratio: number; cell: MapCell } | null = null;
  for (const list of points(cells)) {
    const poll = list.find((c) => c.technique === polling);
    const streams = list.filter((c) => TECHNIQUE_META[c.technique].delivery === 'stream');
    if (poll === undefined || streams.length === 0) continue;
    const pollBytes = shownFigure(poll, 'bytes').value!;
    const best = Math.min(...streams.map((c) => shownFigure(c, 'bytes').value!));
    if (pollBytes > best) loses++;
    else wins++;
    // One message per poll is the classic picture: find the point closest to it.
    const perPoll = (poll.rate * poll.intervalMs) / 1000;
    if (worst === null || Math.abs(Math.log(perPoll)) < Math.abs(Math.log((worst.cell.rate * worst.cell.intervalMs) / 1000)))
      worst = { ratio: pollBytes / best, cell: poll };
  }
  const total = loses + wins;
  if (total === 0) return null;
  const verdict = wins === 0 ? 'true' : loses === 0 ? 'false' : 'partly';
  // T* = k* ÷ r: the messages per poll at which polling catches up with each stream.
  const perStream = new Map<string, number>();
  for (const c of crossovers) {
    if (!c.id.startsWith(`${polling}-vs-`) || c.criterion !== 'bytes' || c.value === null || c.at.rate === undefined) continue;
    const stream = c.techniques.find((t) => t !== polling)!;
    const k = (c.value * c.at.rate) / 1000;
    perStream.set(stream, Math.min(perStream.get(stream) ?? Infinity, k));
  }
  const catchUp = [...perStream].map(([stream, k]) => `${fmt(k)} against ${TECHNIQUE_META[stream as TechniqueId].label}`);
  const k = catchUp.length === 0 ? undefined : catchUp.join(', ');
  const at =
    worst === null
      ? ''
      : ` Near one message per poll (${worst.cell.rate} msg/s, ${worst.cell.intervalMs} ms polls) short polling costs ${fmt(worst.ratio)} times the bytes of the best stream.`;
  return {
    id: 'polling-headers',
    claim: 'Polling wastes bandwidth on headers.',
    verdict,
    evidence:
      `Short polling costs more bytes per message than the best stream at ${loses} of ${total} grid points and fewer at ${wins}` +
      `${k === undefined ? '' : `; it catches up only when enough messages share one poll: ${k}`}.${at}`,
  };
}

/** Claim 2: Comet holds server resources: memory per held connection, long polling against short polling's keep-alive connection and the streams. */
export function cometClaim(techniques: readonly TechniqueId[], calibration: Calibration): MapClaim | null {
  const longPoll = longPollTechnique(techniques);
  const polling = pollingTechnique(techniques);
  if (longPoll === undefined) return null;
  const held = calibration.memoryBytesPerConnection[longPoll];
  const poll = polling === undefined ? undefined : calibration.memoryBytesPerConnection[polling];
  const claim = 'Comet (long polling) holds server resources: a connection and a pending request per client.';
  if (held === undefined) {
    return {
      id: 'comet-resources',
      claim,
      verdict: 'not measured',
      evidence:
        "Memory per connection was not measured on this map (the server's RSS must grow by 4 MB: measure a point with more clients).",
    };
  }
  const others = techniques
    .filter((t) => t !== longPoll && calibration.memoryBytesPerConnection[t] !== undefined)
    .map((t) => `${TECHNIQUE_META[t].label} ${bytesText(calibration.memoryBytesPerConnection[t]!)} B`);
  const ratio = poll === undefined ? null : held / poll;
  const verdict = ratio === null ? 'partly' : ratio > 1.1 ? 'true' : 'partly';
  return {
    id: 'comet-resources',
    claim,
    verdict,
    evidence:
      `A held long poll costs the server ${bytesText(held)} B per connection (${others.join(', ') || 'no other technique measured'}). ` +
      (ratio === null
        ? 'Short polling was not measured beside it.'
        : ratio > 1.1
          ? `That is ${fmt(ratio)} times short polling's keep-alive connection.`
          : `Short polling's keep-alive client holds a connection too (${bytesText(poll!)} B): holding is what a connection costs, not what Comet adds (ratio ${fmt(ratio)}).`),
  };
}

/** Claim 3: WebSocket pushes both ways after one handshake. */
export function handshakeClaim(config: MapConfig): MapClaim | null {
  const ws = config.techniques.includes(PLAIN_WS_TECHNIQUE) ? PLAIN_WS_TECHNIQUE : undefined;
  const longPoll = longPollTechnique(config.techniques) ?? pollingTechnique(config.techniques);
  if (ws === undefined || longPoll === undefined) return null;
  const params = {
    ...runParams(config, { rate: 1, intervalMs: config.intervalsMs[0]!, clients: config.clients[0]! }, 1),
    workload: 'chat' as const,
    roomSize: 1,
  };
  const down = modelFor(ws, runParams(config, { rate: 1, intervalMs: config.intervalsMs[0]!, clients: 1 }, 1), MAP_WIRE);
  const upWs = upstreamBytes(ws, params, MAP_WIRE).bytes;
  const upHttp = upstreamBytes(longPoll, params, MAP_WIRE).bytes;
  const handshake = down.requestHeadBytes + down.responseHeadBytes;
  const repaidAfter = Math.ceil(handshake / Math.max(1, upHttp - upWs));
  return {
    id: 'websocket-handshake',
    claim: 'WebSocket pushes both ways after one handshake.',
    verdict: upWs < upHttp ? 'true' : 'false',
    evidence:
      `One upgrade (${handshake} B: ${down.requestHeadBytes} B request + ${down.responseHeadBytes} B 101 answer), then a message costs ${fmt(down.perMessage.totalBytes)} B down and ${upWs} B up ` +
      `(a masked frame) on the same socket, where an HTTP technique sends each upstream message as a POST with its 204 (${upHttp} B) on a second connection. ` +
      `Each upstream message saves ${upHttp - upWs} B, so the upgrade is repaid within the first ${repaidAfter === 1 ? 'message' : `${repaidAfter} messages`} sent up. Model figures; bytes match the measured points to 1% (see the measured cells).`,
  };
}

/** Claim 4: dwebsocket's `require_websocket`: a plain GET to a WebSocket view is answered 426. */
export function requireWebSocketClaim(config: MapConfig): MapClaim | null {
  if (!config.techniques.includes(PLAIN_WS_TECHNIQUE)) return null;
  return {
    id: 'require-websocket',
    claim: "dwebsocket's require_websocket: a plain GET to a WebSocket endpoint is refused with 426 Upgrade Required.",
    verdict: 'true',
    evidence:
      `pushbench's WebSocket endpoint (${TECHNIQUE_META[PLAIN_WS_TECHNIQUE].path}) and the bare floor server answer a plain GET with 426 and an Upgrade: websocket header ` +
      "(checked by test/servers/bad-input.test.ts and test/servers/floor.test.ts on real sockets, not by the map's numbers).",
  };
}

/** Claim 5: blocking wait() vs non-blocking read(), i.e. long polling vs polling: latency and empty answers. */
export function waitReadClaim(cells: readonly MapCell[]): MapClaim | null {
  const techniques = [...new Set(cells.map((c) => c.technique))];
  const polling = pollingTechnique(techniques);
  const longPoll = longPollTechnique(techniques);
  if (polling === undefined || longPoll === undefined) return null;
  let faster = 0;
  let total = 0;
  let example: string | null = null;
  for (const list of points(cells)) {
    const poll = list.find((c) => c.technique === polling);
    const held = list.find((c) => c.technique === longPoll);
    if (poll === undefined || held === undefined) continue;
    total++;
    const pollShown = shownFigure(poll, 'p50');
    const heldShown = shownFigure(held, 'p50');
    const pollP50 = pollShown.value!;
    const heldP50 = heldShown.value!;
    if (heldP50 < pollP50) faster++;
    if (example === null || (pollShown.measured && heldShown.measured)) {
      const perPoll = (poll.rate * poll.intervalMs) / 1000;
      const empty = Math.max(0, 1 - perPoll);
      example = `at ${poll.rate} msg/s with ${poll.intervalMs} ms polls, long polling's p50 is ${fmt(heldP50)} ms against short polling's ${fmt(pollP50)} ms${pollShown.measured && heldShown.measured ? ' (both measured)' : ' (model)'}, and ${fmt(empty * 100)}% of polls come back empty`;
    }
  }
  if (total === 0) return null;
  return {
    id: 'wait-vs-read',
    claim:
      "dwebsocket's blocking wait() against non-blocking read() is long polling against polling: waiting delivers sooner, reading returns empty-handed.",
    verdict: faster === total ? 'true' : faster === 0 ? 'false' : 'partly',
    evidence: `Long polling (a request that waits) has the lower p50 at ${faster} of ${total} grid points; ${example}.`,
  };
}

/** Every claim the map's techniques allow, in the article's order. */
export function mapClaims(
  config: MapConfig,
  cells: readonly MapCell[],
  crossovers: readonly MapCrossover[],
  calibration: Calibration,
): MapClaim[] {
  return [
    headerClaim(cells, crossovers),
    cometClaim(config.techniques, calibration),
    handshakeClaim(config),
    requireWebSocketClaim(config),
    waitReadClaim(cells),
  ].filter((c): c is MapClaim => c !== null);
}
