/**
 * Teaching material: for each technique, how it works on the wire, and an inline SVG sequence
 * diagram (client and server lifelines, arrows labelled with what travels and what it costs).
 * The explanations are fixed text about the protocols; every number in them comes from the
 * results (the reference scenario's model and measurement) or from RFC 6455 framing rules.
 */
import type { CompletedResult, ResultsFile } from '../core/results.ts';
import { TECHNIQUES, type TechniqueId } from '../core/protocol.ts';
import { escapeHtml } from '../core/html.ts';
import { formatBytes, formatInteger } from './format.ts';
import { referenceScenario } from './select.ts';
import { TECHNIQUE_DISPLAY, techniqueLabel } from './techniques.ts';

/** Figures from the reference scenario that make a diagram concrete. All optional: a diagram without them is generic. */
export interface TeachingFigures {
  scenarioId: string;
  scenarioTitle: string;
  messageBytes: number;
  intervalMs: number;
  holdMs: number;
  /** From the technique's model; null when it did not complete in the reference scenario. */
  requestHeadBytes: number | null;
  responseHeadBytes: number | null;
  measured: CompletedResult | null;
}

export interface TechniqueLesson {
  technique: TechniqueId;
  title: string;
  /** Trusted HTML paragraphs (static text, numbers already escaped). */
  paragraphsHtml: string[];
  /** A self-contained inline <svg>. */
  svg: string;
}

/** Size of the RFC 6455 frame header before a payload of `length` bytes. */
export function frameHeaderBytes(length: number, masked: boolean): number {
  const base = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  return base + (masked ? 4 : 0);
}

/** One lesson per technique present in the results (all of them when none is), in report order. */
export function buildLessons(results: ResultsFile): TechniqueLesson[] {
  const scenario = referenceScenario(results);
  const present = TECHNIQUES.filter((t) => results.scenarios.some((s) => s.results[t] !== undefined));
  const techniques = present.length > 0 ? present : [...TECHNIQUES];
  return techniques.map((technique) => {
    let figures: TeachingFigures | null = null;
    if (scenario !== undefined) {
      const result = scenario.results[technique];
      const measured = result?.state === 'completed' ? result : null;
      figures = {
        scenarioId: scenario.id,
        scenarioTitle: scenario.title,
        messageBytes: scenario.params.messageBytes,
        intervalMs: scenario.params.intervalMs,
        holdMs: scenario.params.holdMs,
        requestHeadBytes: measured?.model.requestHeadBytes ?? null,
        responseHeadBytes: measured?.model.responseHeadBytes ?? null,
        measured,
      };
    }
    return lesson(technique, figures);
  });
}

/** The lesson for one technique. */
export function lesson(technique: TechniqueId, figures: TeachingFigures | null): TechniqueLesson {
  const content = LESSONS[technique](figures);
  const paragraphsHtml = [...content.paragraphsHtml];
  const measuredHtml = measuredSentence(technique, figures);
  if (measuredHtml !== null) paragraphsHtml.push(measuredHtml);
  return {
    technique,
    title: content.title,
    paragraphsHtml,
    svg: sequenceDiagram(technique, `${techniqueLabel(technique)}: who sends what, when`, content.steps),
  };
}

function measuredSentence(technique: TechniqueId, figures: TeachingFigures | null): string | null {
  if (figures === null) return null;
  const where = `In the scenario “${escapeHtml(figures.scenarioTitle)}”`;
  if (figures.measured === null) return `<p class="measured">${where}, ${escapeHtml(techniqueLabel(technique))} has no completed measurement.</p>`;
  const m = figures.measured;
  return (
    `<p class="measured">${where}, one delivered message cost <strong>${escapeHtml(formatBytes(m.perMessage.totalBytes))}</strong> on the wire, ` +
    `${escapeHtml(formatBytes(m.perMessage.overheadBytes))} of it overhead (measured); the model predicts ${escapeHtml(formatBytes(m.model.perMessage.totalBytes))}.</p>`
  );
}

// ---------------------------------------------------------------------------------------------
// Per-technique content.

type Step =
  | { kind: 'arrow'; from: 'client' | 'server'; label: string; cost: string; style: 'request' | 'response' | 'empty' | 'frame' }
  | { kind: 'event'; label: string }
  | { kind: 'gap'; label: string }
  | { kind: 'hold-start'; label: string }
  | { kind: 'hold-end' };

interface LessonContent {
  title: string;
  paragraphsHtml: string[];
  steps: Step[];
}

function approx(bytes: number | null | undefined, fallback: string): string {
  return bytes === null || bytes === undefined ? fallback : `≈ ${formatBytes(bytes)}`;
}

const code = (text: string) => `<code>${escapeHtml(text)}</code>`;

const LESSONS: Readonly<Record<TechniqueId, (f: TeachingFigures | null) => LessonContent>> = {
  polling: (f) => {
    const req = approx(f?.requestHeadBytes, 'request line + all headers');
    const res = approx(f?.responseHeadBytes, 'status line + headers');
    const interval = f === null ? 'interval' : `interval, ${formatInteger(f.intervalMs)} ms`;
    return {
      title: 'HTTP short polling',
      paragraphsHtml: [
        `<p>The client sends ${code('GET /poll?since=SEQ')} every interval, whether or not anything happened. The server answers at once with a JSON array of the messages newer than ${code('SEQ')}, very often ${code('[]')}.</p>`,
        `<p>Every poll is a complete HTTP exchange: request line and every request header (cookies included with a browser header profile), then status line, response headers and body. An empty poll costs almost as much as a useful one. A message waits on the server until the next poll, so latency averages half the interval and reaches a whole interval; a shorter interval buys latency with more empty polls.</p>`,
      ],
      steps: [
        { kind: 'arrow', from: 'client', label: 'GET /poll?since=41', cost: `request head ${req}`, style: 'request' },
        { kind: 'arrow', from: 'server', label: '200 OK, body []', cost: `response head ${res}, no news`, style: 'empty' },
        { kind: 'gap', label: `… ${interval} …` },
        { kind: 'event', label: 'message 42 published' },
        { kind: 'gap', label: 'message 42 waits for the next poll' },
        { kind: 'arrow', from: 'client', label: 'GET /poll?since=41', cost: `request head ${req} again`, style: 'request' },
        { kind: 'arrow', from: 'server', label: '200 OK, body [{"seq":42,…}]', cost: `response head ${res} + message`, style: 'response' },
        { kind: 'gap', label: `… ${interval} …` },
        { kind: 'arrow', from: 'client', label: 'GET /poll?since=42', cost: 'news or not, the full request again', style: 'request' },
      ],
    };
  },

  longpoll: (f) => {
    const req = approx(f?.requestHeadBytes, 'request line + all headers');
    const res = approx(f?.responseHeadBytes, 'status line + headers');
    const hold = f === null ? 'the hold timeout' : `${formatInteger(f.holdMs / 1000)} s`;
    return {
      title: 'HTTP long polling (Comet)',
      paragraphsHtml: [
        `<p>The client sends ${code('GET /longpoll?since=SEQ')}. If nothing is newer than ${code('SEQ')}, the server does not answer: it holds the request open until a message arrives, or answers ${code('[]')} when the hold timeout passes.</p>`,
        `<p>The message travels in a complete HTTP response, and the client sends the next request at once. So every delivered message still costs one request head and one response head, but no request is wasted while nothing happens. Messages published while the client is between a response and its next request wait for that request and then arrive together in one array.</p>`,
      ],
      steps: [
        { kind: 'arrow', from: 'client', label: 'GET /longpoll?since=41', cost: `request head ${req}`, style: 'request' },
        { kind: 'hold-start', label: `held, up to ${hold}` },
        { kind: 'event', label: 'message 42 published' },
        { kind: 'arrow', from: 'server', label: '200 OK, body [{"seq":42,…}]', cost: `response head ${res} + message`, style: 'response' },
        { kind: 'hold-end' },
        { kind: 'arrow', from: 'client', label: 'GET /longpoll?since=42, at once', cost: `request head ${req} again`, style: 'request' },
        { kind: 'hold-start', label: 'held again' },
        { kind: 'event', label: 'message 43 published' },
        { kind: 'arrow', from: 'server', label: '200 OK, body [{"seq":43,…}]', cost: `response head ${res} + message`, style: 'response' },
        { kind: 'hold-end' },
      ],
    };
  },

  sse: (f) => {
    const req = approx(f?.requestHeadBytes, 'request line + headers');
    const res = approx(f?.responseHeadBytes, 'status line + headers');
    const framing = f?.measured ? `+ ${formatBytes(f.measured.perMessage.overheadBytes)} overhead (measured)` : '+ event lines + chunk framing';
    return {
      title: 'Server-Sent Events',
      paragraphsHtml: [
        `<p>The client sends one ${code('GET /sse')} with ${code('Accept: text/event-stream')}. The server answers ${code('200')} with ${code('Content-Type: text/event-stream')} and never ends the response: the stream stays open and carries every later message.</p>`,
        `<p>Each message is one event: an ${code('id: SEQ')} line, a ${code('data: JSON')} line and a blank line. Over HTTP/1.1 the open-ended body uses ${code('Transfer-Encoding: chunked')}, so each event is also wrapped in chunk framing (its size in hex and CRLF before, CRLF after). A message therefore costs a few dozen bytes beyond its payload. A client that reconnects sends ${code('Last-Event-ID')} and the server resumes after it. The stream runs server to client only: a client that publishes needs separate requests.</p>`,
      ],
      steps: [
        { kind: 'arrow', from: 'client', label: 'GET /sse, Accept: text/event-stream', cost: `once: request head ${req}`, style: 'request' },
        { kind: 'arrow', from: 'server', label: '200 OK, text/event-stream, chunked', cost: `once: response head ${res}; the response stays open`, style: 'response' },
        { kind: 'event', label: 'message 42 published' },
        { kind: 'arrow', from: 'server', label: 'chunk: id: 42 / data: {"seq":42,…}', cost: `message ${framing}`, style: 'frame' },
        { kind: 'event', label: 'message 43 published' },
        { kind: 'arrow', from: 'server', label: 'chunk: id: 43 / data: {"seq":43,…}', cost: `message ${framing}`, style: 'frame' },
        { kind: 'gap', label: 'after a drop: reconnect with Last-Event-ID: 43' },
      ],
    };
  },

  websocket: (f) => {
    const req = approx(f?.requestHeadBytes, 'request line + headers');
    const res = approx(f?.responseHeadBytes, 'status line + headers');
    const length = f?.messageBytes ?? 100;
    const down = frameHeaderBytes(length, false);
    const up = frameHeaderBytes(length, true);
    const payload = f === null ? 'payload' : `${formatBytes(length)} payload`;
    return {
      title: 'WebSocket',
      paragraphsHtml: [
        `<p>The client sends one HTTP request, ${code('GET /ws')} with ${code('Upgrade: websocket')}, ${code('Connection: Upgrade')} and a ${code('Sec-WebSocket-Key')}. The server answers ${code('101 Switching Protocols')} with ${code('Sec-WebSocket-Accept')}, and from then on the TCP connection carries RFC 6455 frames instead of HTTP.</p>`,
        `<p>A server-to-client text frame has a 2-byte header for payloads under 126 bytes, 4 bytes up to 65,535 bytes and 10 beyond. Frames from the client are masked, which adds the 4-byte masking key: 6 bytes of header for a short message. Both directions share the one connection, so a client that publishes (chat) needs no extra request.</p>`,
      ],
      steps: [
        { kind: 'arrow', from: 'client', label: 'GET /ws, Upgrade: websocket', cost: `once: request head ${req}`, style: 'request' },
        { kind: 'arrow', from: 'server', label: '101 Switching Protocols', cost: `once: response head ${res}; HTTP ends here`, style: 'response' },
        { kind: 'event', label: 'message 42 published' },
        { kind: 'arrow', from: 'server', label: 'text frame {"seq":42,…}', cost: `${down} B header + ${payload}`, style: 'frame' },
        { kind: 'arrow', from: 'client', label: 'masked text frame (chat upstream)', cost: `${up} B header (4 B of it the mask) + payload`, style: 'frame' },
        { kind: 'event', label: 'message 43 published' },
        { kind: 'arrow', from: 'server', label: 'text frame {"seq":43,…}', cost: `${down} B header + ${payload}`, style: 'frame' },
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------
// SVG layout: time runs down, the client on the left, the server on the right, notes beyond it.

const WIDTH = 720;
const CLIENT_X = 120;
const SERVER_X = 480;
/** Where the first step starts, below the lifeline heads. */
const TOP = 56;
/** How far an arrow falls while it crosses: messages take time to travel. */
const ARROW_DROP = 10;

const STYLE_COLORS: Readonly<Record<Extract<Step, { kind: 'arrow' }>['style'], string>> = {
  request: '#333333',
  response: '#0b5394',
  empty: '#999999',
  frame: '#1b7a3d',
};

function sequenceDiagram(technique: TechniqueId, title: string, steps: Step[]): string {
  const id = `seq-${technique}`;
  const parts: string[] = [];
  const mid = (CLIENT_X + SERVER_X) / 2;
  // `y` is the top of the next step; each step takes the height it needs.
  let y = TOP;
  let lastArrowStart = y;
  let lastArrowEnd = y;
  let holdStart: number | null = null;
  for (const step of steps) {
    switch (step.kind) {
      case 'arrow': {
        const [x1, x2] = step.from === 'client' ? [CLIENT_X, SERVER_X] : [SERVER_X, CLIENT_X];
        const color = STYLE_COLORS[step.style];
        const dash = step.style === 'empty' ? ' stroke-dasharray="6 4"' : '';
        lastArrowStart = y + 20;
        lastArrowEnd = lastArrowStart + ARROW_DROP;
        parts.push(
          `<text x="${mid}" y="${y + 13}" text-anchor="middle" font-size="12" fill="${color}" font-family="ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace">${escapeHtml(step.label)}</text>`,
          `<line x1="${x1}" y1="${lastArrowStart}" x2="${x2}" y2="${lastArrowEnd}" stroke="${color}" stroke-width="1.6"${dash} marker-end="url(#${id}-arrow-${step.style})"/>`,
          `<text x="${mid}" y="${lastArrowEnd + 16}" text-anchor="middle" font-size="11" fill="#555555">${escapeHtml(step.cost)}</text>`,
        );
        y += 58;
        break;
      }
      case 'event':
        parts.push(
          `<circle cx="${SERVER_X}" cy="${y + 8}" r="5" fill="#D55E00"/>`,
          `<text x="${SERVER_X + 12}" y="${y + 12}" font-size="12" fill="#D55E00">${escapeHtml(step.label)}</text>`,
        );
        y += 26;
        break;
      case 'gap':
        parts.push(`<text x="${mid}" y="${y + 14}" text-anchor="middle" font-size="12" font-style="italic" fill="#666666">${escapeHtml(step.label)}</text>`);
        y += 28;
        break;
      case 'hold-start':
        // The request just arrived: the server sits on it from here.
        holdStart = lastArrowEnd;
        parts.push(`<text x="${SERVER_X + 12}" y="${y + 12}" font-size="12" fill="#666666" font-style="italic">${escapeHtml(step.label)}</text>`);
        y += 24;
        break;
      case 'hold-end':
        // ...until the response that just left.
        if (holdStart !== null) {
          parts.push(`<rect x="${SERVER_X - 5}" y="${holdStart}" width="10" height="${Math.max(4, lastArrowStart - holdStart)}" fill="#cccccc" stroke="#888888"/>`);
          holdStart = null;
        }
        break;
    }
  }
  const height = y + 8;
  const markers = (Object.keys(STYLE_COLORS) as Array<keyof typeof STYLE_COLORS>)
    .map(
      (style) =>
        `<marker id="${id}-arrow-${style}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${STYLE_COLORS[style]}"/></marker>`,
    )
    .join('');
  const color = TECHNIQUE_DISPLAY[technique].color;
  const lifelines = [
    `<rect x="${CLIENT_X - 60}" y="8" width="120" height="30" rx="4" fill="#ffffff" stroke="${color}" stroke-width="2"/>`,
    `<text x="${CLIENT_X}" y="28" text-anchor="middle" font-size="13" font-weight="bold">Client</text>`,
    `<rect x="${SERVER_X - 60}" y="8" width="120" height="30" rx="4" fill="#ffffff" stroke="${color}" stroke-width="2"/>`,
    `<text x="${SERVER_X}" y="28" text-anchor="middle" font-size="13" font-weight="bold">Server</text>`,
    `<line x1="${CLIENT_X}" y1="38" x2="${CLIENT_X}" y2="${height - 4}" stroke="#bbbbbb" stroke-width="1.5"/>`,
    `<line x1="${SERVER_X}" y1="38" x2="${SERVER_X}" y2="${height - 4}" stroke="#bbbbbb" stroke-width="1.5"/>`,
    `<text x="16" y="${TOP + 8}" font-size="11" fill="#888888">time ↓</text>`,
  ];
  return (
    `<svg class="sequence" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${id}-title" font-family="system-ui, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif">` +
    `<title id="${id}-title">${escapeHtml(title)}</title><defs>${markers}</defs>` +
    lifelines.join('') +
    parts.join('') +
    `</svg>`
  );
}
