/**
 * The lesson on Server-Sent Events: how it works on the wire, in two paragraphs and a
 * sequence diagram. Fixed text about the protocol; every number comes from the results.
 */
import { html } from '../../core/html.ts';
import { formatBytes } from '../format.ts';
import { type Lesson, type LessonContent, type TeachingFigures, approx, code } from './types.ts';

function content(f: TeachingFigures | null): LessonContent {
  const req = approx(f?.requestHeadBytes, 'request line + headers');
  const res = approx(f?.responseHeadBytes, 'status line + headers');
  const framing = f?.measured
    ? `+ ${formatBytes(f.measured.perMessage.overheadBytes)} overhead (measured)`
    : '+ event lines + chunk framing';
  return {
    title: 'Server-Sent Events',
    paragraphs: [
      html`<p>The client sends one ${code('GET /sse')} with ${code('Accept: text/event-stream')}. The server answers ${code('200')} with ${code('Content-Type: text/event-stream')} and never ends the response: the stream stays open and carries every later message.</p>`,
      html`<p>Each message is one event: an ${code('id: SEQ')} line, a ${code('data: JSON')} line and a blank line. Over HTTP/1.1 the open-ended body uses ${code('Transfer-Encoding: chunked')}, so each event is also wrapped in chunk framing (its size in hex and CRLF before, CRLF after). A message therefore costs a few dozen bytes beyond its payload. A client that reconnects sends ${code('Last-Event-ID')} and the server resumes after it. The stream runs server to client only: a client that publishes needs separate requests.</p>`,
    ],
    steps: [
      { kind: 'arrow', from: 'client', label: 'GET /sse, Accept: text/event-stream', cost: `once: request head ${req}`, style: 'request' },
      {
        kind: 'arrow',
        from: 'server',
        label: '200 OK, text/event-stream, chunked',
        cost: `once: response head ${res}; the response stays open`,
        style: 'response',
      },
      { kind: 'event', label: 'message 42 published' },
      { kind: 'arrow', from: 'server', label: 'chunk: id: 42 / data: {"seq":42,…}', cost: `message ${framing}`, style: 'frame' },
      { kind: 'event', label: 'message 43 published' },
      { kind: 'arrow', from: 'server', label: 'chunk: id: 43 / data: {"seq":43,…}', cost: `message ${framing}`, style: 'frame' },
      { kind: 'gap', label: 'after a drop: reconnect with Last-Event-ID: 43' },
    ],
  };
}

export default { id: 'sse', content } satisfies Lesson;
