/**
 * The lesson on WebSocket: how it works on the wire, in two paragraphs and a
 * sequence diagram. Fixed text about the protocol; every number comes from the results.
 */
import { html } from '../../core/html.ts';
import { formatBytes } from '../format.ts';
import { type Lesson, type LessonContent, type TeachingFigures, approx, code, frameHeaderBytes } from './types.ts';

function content(f: TeachingFigures | null): LessonContent {
  const req = approx(f?.requestHeadBytes, 'request line + headers');
  const res = approx(f?.responseHeadBytes, 'status line + headers');
  const length = f?.messageBytes ?? 100;
  const down = frameHeaderBytes(length, false);
  const up = frameHeaderBytes(length, true);
  const payload = f === null ? 'payload' : `${formatBytes(length)} payload`;
  return {
    title: 'WebSocket',
    paragraphs: [
      html`<p>The client sends one HTTP request, ${code('GET /ws')} with ${code('Upgrade: websocket')}, ${code('Connection: Upgrade')} and a ${code('Sec-WebSocket-Key')}. The server answers ${code('101 Switching Protocols')} with ${code('Sec-WebSocket-Accept')}, and from then on the TCP connection carries RFC 6455 frames instead of HTTP.</p>`,
      html`<p>A server-to-client text frame has a 2-byte header for payloads under 126 bytes, 4 bytes up to 65,535 bytes and 10 beyond. Frames from the client are masked, which adds the 4-byte masking key: 6 bytes of header for a short message. Both directions share the one connection, so a client that publishes (chat) needs no extra request.</p>`,
    ],
    steps: [
      { kind: 'arrow', from: 'client', label: 'GET /ws, Upgrade: websocket', cost: `once: request head ${req}`, style: 'request' },
      {
        kind: 'arrow',
        from: 'server',
        label: '101 Switching Protocols',
        cost: `once: response head ${res}; HTTP ends here`,
        style: 'response',
      },
      { kind: 'event', label: 'message 42 published' },
      { kind: 'arrow', from: 'server', label: 'text frame {"seq":42,…}', cost: `${down} B header + ${payload}`, style: 'frame' },
      {
        kind: 'arrow',
        from: 'client',
        label: 'masked text frame (chat upstream)',
        cost: `${up} B header (4 B of it the mask) + payload`,
        style: 'frame',
      },
      { kind: 'event', label: 'message 43 published' },
      { kind: 'arrow', from: 'server', label: 'text frame {"seq":43,…}', cost: `${down} B header + ${payload}`, style: 'frame' },
    ],
  };
}

export default { id: 'websocket', content } satisfies Lesson;
